using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Attestation.Native;

namespace PhalaWorker.Attestation.Providers;

/// <summary>
/// The legacy <c>/dev/tdx_guest</c> interface. It yields the 1024-byte TDREPORT (<see cref="GetTdReportAsync"/>, TDX_CMD_GET_REPORT0)
/// and can extend RTMRs (TDX_CMD_EXTEND_RTMR, on kernels that carry it).
/// <para>
/// Limit: a TDREPORT is MAC'd for the local platform only; turning it into a remotely verifiable quote needs the TD quoting
/// enclave, reached through a Quote Generation Service (QGS, vsock/TDVMCALL). Mainline Linux exposes that path only as
/// configfs-tsm (≥ 6.7), which <see cref="ConfigFsTsmQuoteProvider"/> uses; this agent does not implement a QGS client, so
/// <see cref="GetQuoteAsync"/> throws <see cref="TeeProviderException"/> with <see cref="TeeErrorReason.NotSupported"/>.
/// </para>
/// </summary>
public sealed class TdxGuestQuoteProvider : IQuoteProvider
{
    /// <summary>The default device path.</summary>
    public const string DefaultDevicePath = "/dev/tdx_guest";

    /// <summary>The message of the NotSupported failure.</summary>
    public const string QuoteNotSupportedMessage =
        "/dev/tdx_guest yields a TDREPORT only; a quote needs the TD quoting enclave through a QGS, which mainline Linux exposes as configfs-tsm (Linux >= 6.7). Use tee mode 'configfs-tsm' (or 'auto') on a kernel with configfs-tsm.";

    private readonly ILogger _logger;

    /// <summary>Creates the provider over <paramref name="devicePath"/> (null for <see cref="DefaultDevicePath"/>).</summary>
    public TdxGuestQuoteProvider(string? devicePath = null, ILogger<TdxGuestQuoteProvider>? logger = null)
    {
        DevicePath = devicePath ?? DefaultDevicePath;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The device path in use.</summary>
    public string DevicePath { get; }

    /// <inheritdoc />
    public string Name => "tdx-guest";

    /// <inheritdoc />
    public TeeKind Kind => TeeKind.Tdx;

    /// <summary>False: see the class remarks.</summary>
    public static bool CanQuote => false;

    /// <summary>Opens the device and requests one TDREPORT; throws <see cref="TeeProviderException"/> when that fails.</summary>
    public void Probe() => GetTdReport(new byte[TeeShim.ReportDataLength]);

    /// <inheritdoc />
    public ValueTask<byte[]> GetQuoteAsync(ReadOnlyMemory<byte> reportData64, CancellationToken ct)
    {
        AttestationLog.ProviderUnavailable(_logger, Name, "quote generation needs configfs-tsm or a QGS");
        throw new TeeProviderException(TeeErrorReason.NotSupported, QuoteNotSupportedMessage);
    }

    /// <summary>TDX_CMD_GET_REPORT0: the 1024-byte TDREPORT whose REPORTDATA is <paramref name="reportData64"/>.</summary>
    public async ValueTask<byte[]> GetTdReportAsync(ReadOnlyMemory<byte> reportData64, CancellationToken ct)
    {
        if (reportData64.Length != TeeShim.ReportDataLength)
        {
            throw new ArgumentException("report_data must be 64 bytes.", nameof(reportData64));
        }

        var reportData = reportData64.ToArray();
        return await Task.Run(() => GetTdReport(reportData), ct).ConfigureAwait(false);
    }

    /// <summary>TDX_CMD_EXTEND_RTMR: extends RTMR <paramref name="index"/> with a 48-byte digest.</summary>
    public unsafe void ExtendRtmr(int index, ReadOnlySpan<byte> digest48)
    {
        if (digest48.Length != TeeShim.RtmrLength)
        {
            throw new ArgumentException("An RTMR digest is 48 bytes.", nameof(digest48));
        }

        using var handle = Open();
        int osError = 0;
        int status;
        fixed (byte* digest = digest48)
        {
            status = TeeShim.TdxExtendRtmr(handle, index, digest, (nuint)digest48.Length, &osError);
        }

        if (status != TeeShim.Ok)
        {
            throw TeeShim.Failure($"TDX_CMD_EXTEND_RTMR on {DevicePath}", status, osError);
        }
    }

    private unsafe byte[] GetTdReport(byte[] reportData)
    {
        using var handle = Open();
        var report = new byte[TeeShim.TdReportLength];
        int osError = 0;
        int status;
        fixed (byte* input = reportData)
        fixed (byte* output = report)
        {
            status = TeeShim.TdxGetReport(handle, input, (nuint)reportData.Length, output, (nuint)report.Length, &osError);
        }

        return status == TeeShim.Ok ? report : throw TeeShim.Failure($"TDX_CMD_GET_REPORT0 on {DevicePath}", status, osError);
    }

    private SafeTdxGuestHandle Open()
    {
        TeeShim.EnsureAvailable();
        var status = TeeShim.TdxOpen(DevicePath, out var fd, out var osError);
        return status == TeeShim.Ok ? new SafeTdxGuestHandle(fd) : throw TeeShim.Failure($"open {DevicePath}", status, osError);
    }
}
