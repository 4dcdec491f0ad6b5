using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Attestation.Native;

namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>
/// NVIDIA GPU evidence through NVML: per GPU the SPDM attestation report for the caller's 32-byte nonce, the
/// attestation certificate chain, and NVML's driver / VBIOS / UUID, published as <see cref="NvidiaRemoteEvidence"/>.
/// <see cref="InspectAsync"/> is the gate the agent consults before offering a GPU backend (CC off, DevTools on, a
/// non-production environment, PPCIe mode or an NVML without the CC API make the GPUs unusable, with the reason), and
/// <see cref="SetGpusReadyAsync"/> flips NVML's GPUs-ready state only when the agent asks after verifying the evidence.
/// NVML is loaded on first use; every call is bounded by <see cref="NvmlOptions.CallTimeout"/>. The NVML calls are
/// synchronous and run on NVML's own thread; the awaiting caller blocks for at most that deadline per call.
/// </summary>
public sealed class NvmlGpuEvidenceProvider : IGpuEvidenceProvider, IDisposable, IAsyncDisposable
{
    private readonly NvmlOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private NvmlLibrary? _library;
    private bool _disposed;

    /// <summary>Creates the provider; nothing is loaded until the first call.</summary>
    public NvmlGpuEvidenceProvider(NvmlOptions options, ILogger<NvmlGpuEvidenceProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "nvml";

    /// <summary>Reads what NVML reports and decides whether the GPUs are usable (the gate). Throws <see cref="NvmlException"/> when NVML cannot be loaded or a call fails.</summary>
    public ValueTask<NvmlHostState> InspectAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Guard(() => Inspect(Library())));
    }

    /// <inheritdoc />
    public ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (nonce.Length != NvmlNative.CcNonceSize)
        {
            throw new ArgumentException($"The GPU evidence nonce must be {NvmlNative.CcNonceSize} bytes, not {nonce.Length}.", nameof(nonce));
        }

        return ValueTask.FromResult(Guard(() =>
        {
            var library = Library();
            var state = RequireUsable(Inspect(library));
            var gpus = new List<NvmlGpuEvidence>(state.Gpus.Count);
            foreach (var gpu in state.Gpus)
            {
                ct.ThrowIfCancellationRequested();
                var index = (uint)gpu.Index;
                var report = library.GetAttestationReport(index, nonce.Span);
                var chain = library.GetAttestationCertificateChain(index);
                gpus.Add(new NvmlGpuEvidence(gpu.Architecture, chain, report, nonce.ToArray(), state.DriverVersion, gpu.VbiosVersion, gpu.Uuid));
            }

            var evidence = NvidiaRemoteEvidence.Write(gpus);
            AttestationLog.GpuEvidenceCollected(_logger, gpus.Count, evidence.Length, Convert.ToHexStringLower(SHA256.HashData(evidence)));
            return new GpuEvidence(NvidiaRemoteEvidence.Format, evidence);
        }));
    }

    /// <summary>
    /// Sets NVML's GPUs-ready state to "accepting work". Call it only after the GPU evidence was verified; refuses
    /// (<see cref="NvmlErrorReason.NotUsable"/>) when the gate says the GPUs are not usable.
    /// </summary>
    public ValueTask SetGpusReadyAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Guard(() =>
        {
            var library = Library();
            RequireUsable(Inspect(library));
            library.SetGpusReadyState(true);
            AttestationLog.GpusReadySet(_logger);
            return true;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NvmlLibrary? library;
        lock (_lock)
        {
            _disposed = true;
            library = _library;
            _library = null;
        }

        library?.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The gate over an initialized library.</summary>
    internal static NvmlHostState Inspect(NvmlLibrary library)
    {
        var driver = library.GetDriverVersion();
        var count = library.GetDeviceCount();
        var gpus = new List<NvmlGpuInfo>((int)Math.Min(count, 64));
        for (var i = 0u; i < count && i < 64; i++)
        {
            gpus.Add(new NvmlGpuInfo((int)i, library.GetName(i), library.GetUuid(i), library.GetVbiosVersion(i), ArchitectureName(library.GetArchitecture(i))));
        }

        if (!library.HasConfidentialComputeApi)
        {
            return new NvmlHostState(library.Path, driver, gpus, false, null, null, null, null, null,
                $"{NvmlLibrary.ConfidentialComputeApiMissingMessage} (driver {driver}; missing {string.Join(", ", library.MissingConfidentialComputeExports)})");
        }

        var state = library.GetConfComputeState();
        var settings = library.GetConfComputeSettings();
        var ready = library.GetGpusReadyState();
        var ccOn = state.CcFeature == NvmlNative.CcFeatureEnabled;
        var devTools = state.DevToolsMode == NvmlNative.DevToolsModeOn;
        var environment = state.Environment switch
        {
            NvmlNative.EnvironmentProd => "PROD",
            NvmlNative.EnvironmentSim => "SIM",
            NvmlNative.EnvironmentUnavailable => "UNAVAILABLE",
            var other => $"ENVIRONMENT_{other}",
        };
        var multiGpu = settings.MultiGpuMode switch
        {
            NvmlNative.MultiGpuNone => "NONE",
            NvmlNative.MultiGpuProtectedPcie => "PPCIE",
            var other => $"MULTIGPU_{other}",
        };
        var reason = (gpus, ccOn, devTools, environment, multiGpu) switch
        {
            ({ Count: 0 }, _, _, _, _) => "NVML reports no GPUs",
            (_, _, _, _, not "NONE") => $"multi-GPU CC mode {multiGpu} needs NVSwitch attestation, which this node does not implement",
            (_, false, _, _, _) => "confidential computing is off on this host (nvmlSystemGetConfComputeState ccFeature = disabled)",
            (_, _, true, _, _) => "CC DevTools mode is on (GPU debugging and profiling are allowed; not a production CC GPU)",
            (_, _, _, not "PROD", _) => $"the CC environment is {environment}, not PROD",
            _ => gpus.FirstOrDefault(g => g.Architecture is not ("HOPPER" or "BLACKWELL")) is { } old
                ? $"GPU {old.Index} ({old.Name}) has architecture {old.Architecture}, which has no confidential computing"
                : null,
        };
        return new NvmlHostState(library.Path, driver, gpus, true, ccOn, devTools, environment, multiGpu, ready, reason);
    }

    internal static string ArchitectureName(uint? architecture) => architecture switch
    {
        null => "UNKNOWN",
        NvmlNative.ArchHopper => "HOPPER",
        NvmlNative.ArchBlackwell => "BLACKWELL",
        var other => $"ARCH_{other}",
    };

    private NvmlHostState RequireUsable(NvmlHostState state)
    {
        if (state.UnusableReason is { } reason)
        {
            AttestationLog.GpuNotUsable(_logger, reason);
            throw new NvmlException(NvmlErrorReason.NotUsable, $"No usable confidential-computing GPU: {reason}.");
        }

        return state;
    }

    private T Guard<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (NvmlException ex) when (ex.NvmlReason != NvmlErrorReason.NotUsable)
        {
            AttestationLog.NvmlFailed(_logger, ex.NvmlReason.ToString(), ex.Message);
            throw;
        }
    }

    private NvmlLibrary Library()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_library is null)
            {
                var library = NvmlLibrary.Load(_options.LibraryPath, _options.CallTimeout);
                try
                {
                    library.Initialize();
                }
                catch
                {
                    library.Dispose();
                    throw;
                }

                _library = library;
                var count = library.GetDeviceCount();
                AttestationLog.NvmlLoaded(_logger, library.Path, library.GetDriverVersion(), (int)count, library.HasConfidentialComputeApi);
            }

            return _library;
        }
    }
}
