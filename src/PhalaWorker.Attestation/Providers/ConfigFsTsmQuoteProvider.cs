using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Attestation.Native;

namespace PhalaWorker.Attestation.Providers;

/// <summary>
/// TDX quotes through the kernel's configfs-tsm report interface (Linux ≥ 6.7, <c>/sys/kernel/config/tsm/report</c>), via the
/// native shim. A generation race (another writer on the same entry) is retried with a fresh entry up to
/// <see cref="MaxAttempts"/> times; every other failure is a <see cref="TeeProviderException"/>.
/// </summary>
public sealed class ConfigFsTsmQuoteProvider : IQuoteProvider
{
    /// <summary>The default configfs-tsm root.</summary>
    public const string DefaultRoot = "/sys/kernel/config/tsm";

    private const int InitialQuoteCapacity = 16 * 1024;
    private const int MaxQuoteCapacity = 1024 * 1024;

    private readonly string? _entryName;
    private readonly unsafe delegate* unmanaged<nint, nint, void> _testHook;
    private readonly ILogger _logger;

    /// <summary>Creates the provider over <paramref name="root"/> (null for <see cref="DefaultRoot"/>).</summary>
    public ConfigFsTsmQuoteProvider(string? root = null, ILogger<ConfigFsTsmQuoteProvider>? logger = null)
    {
        Root = root ?? DefaultRoot;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>For fake trees: a fixed entry name (pre-populated by the test) and a hook run after the inblob write.</summary>
    internal unsafe ConfigFsTsmQuoteProvider(string? root, string? entryName, delegate* unmanaged<nint, nint, void> testHook, ILogger<ConfigFsTsmQuoteProvider>? logger)
    {
        Root = root ?? DefaultRoot;
        _entryName = entryName;
        _testHook = testHook;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Attempts per quote when a generation race is detected.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The configfs-tsm root in use.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Name => "configfs-tsm";

    /// <inheritdoc />
    public TeeKind Kind => TeeKind.Tdx;

    /// <summary>The provider name the kernel reported on the last quote (e.g. <c>tdx_guest</c>).</summary>
    public string? KernelProvider { get; private set; }

    /// <summary>Checks that the shim loads and <c>&lt;root&gt;/report</c> exists; throws <see cref="TeeProviderException"/> otherwise.</summary>
    public void Probe()
    {
        TeeShim.EnsureAvailable();
        var status = TeeShim.TsmProbe(Root, out var osError);
        if (status != TeeShim.Ok)
        {
            throw TeeShim.Failure($"configfs-tsm at {Root}", status, osError);
        }
    }

    /// <inheritdoc />
    public async ValueTask<byte[]> GetQuoteAsync(ReadOnlyMemory<byte> reportData64, CancellationToken ct)
    {
        if (reportData64.Length != TeeShim.ReportDataLength)
        {
            throw new ArgumentException("report_data must be 64 bytes.", nameof(reportData64));
        }

        TeeShim.EnsureAvailable();
        var reportData = reportData64.ToArray();
        // The kernel blocks while the quoting enclave signs (tens to hundreds of ms): keep it off the caller's thread.
        var quote = await Task.Run(() => GetQuoteWithRetries(reportData, ct), ct).ConfigureAwait(false);
        AttestationLog.QuoteGenerated(_logger, Name, quote.Length);
        return quote;
    }

    private byte[] GetQuoteWithRetries(byte[] reportData, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return GetQuoteOnce(reportData);
            }
            catch (TeeProviderException ex) when (ex.TeeReason == TeeErrorReason.GenerationRace && attempt < MaxAttempts)
            {
                AttestationLog.GenerationRace(_logger, Root, attempt);
            }
        }
    }

    private unsafe byte[] GetQuoteOnce(byte[] reportData)
    {
        var capacity = InitialQuoteCapacity;
        var root = Marshal.StringToCoTaskMemUTF8(Root);
        var entry = _entryName is null ? 0 : Marshal.StringToCoTaskMemUTF8(_entryName);
        try
        {
            while (true)
            {
                var buffer = new byte[capacity];
                Span<byte> provider = stackalloc byte[64];
                nuint length = 0;
                int osError = 0;
                int status;
                var options = new TeeShim.TsmOptionsNative { Root = root, EntryName = entry, AfterInblobWrite = _testHook, HookContext = 0 };
                fixed (byte* reportDataPointer = reportData)
                fixed (byte* quotePointer = buffer)
                fixed (byte* providerPointer = provider)
                {
                    status = TeeShim.TsmGetQuote(&options, reportDataPointer, (nuint)reportData.Length, quotePointer, (nuint)buffer.Length, &length,
                        providerPointer, (nuint)provider.Length, &osError);
                }

                var terminator = provider.IndexOf((byte)0);
                if (terminator > 0)
                {
                    KernelProvider = Encoding.UTF8.GetString(provider[..terminator]);
                }

                if (status == TeeShim.ErrBufferTooSmall && length > (nuint)capacity && length <= MaxQuoteCapacity)
                {
                    capacity = (int)length;
                    continue;
                }

                if (status != TeeShim.Ok)
                {
                    var what = status == TeeShim.ErrNoProvider && KernelProvider is { Length: > 0 } kernelProvider
                        ? $"configfs-tsm at {Root} (provider '{kernelProvider}' is not TDX)"
                        : $"configfs-tsm quote at {Root}";
                    throw TeeShim.Failure(what, status, osError);
                }

                return buffer.AsSpan(0, (int)length).ToArray();
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(root);
            if (entry != 0)
            {
                Marshal.FreeCoTaskMem(entry);
            }
        }
    }
}
