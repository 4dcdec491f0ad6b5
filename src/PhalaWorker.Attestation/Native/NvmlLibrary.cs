using System.Runtime.InteropServices;
using System.Text;
using PhalaWorker.Attestation.Gpu.Nvml;

namespace PhalaWorker.Attestation.Native;

/// <summary>
/// One loaded NVML library: <c>libnvidia-ml.so.1</c> by its versioned name, or a library at an explicit path (the fake in
/// native/). Exports are bound as unmanaged function pointers rather than <c>[LibraryImport]</c> because one process may
/// load several NVML builds side by side (tests load the fake with and without the confidential-computing API, and
/// <c>gpu info --nvml PATH</c> loads an arbitrary one), which a per-assembly import resolver cannot express; a missing
/// confidential-computing export is then a clean <see cref="NvmlErrorReason.ConfidentialComputeApiMissing"/>.
/// Every call runs through an <see cref="NvmlCallDispatcher"/> with a deadline. The module is never unloaded: a call
/// abandoned past its deadline may still be executing inside it.
/// </summary>
internal sealed unsafe class NvmlLibrary : IDisposable
{
    /// <summary>The message for an NVML without the CC API.</summary>
    public const string ConfidentialComputeApiMissingMessage = "this NVML has no confidential-computing API (driver too old)";

    private static readonly string[] CcExports =
    [
        "nvmlSystemGetConfComputeState", "nvmlSystemGetConfComputeSettings", "nvmlDeviceGetConfComputeGpuAttestationReport",
        "nvmlDeviceGetConfComputeGpuCertificate", "nvmlSystemGetConfComputeGpusReadyState", "nvmlSystemSetConfComputeGpusReadyState",
    ];

    private readonly NvmlCallDispatcher _dispatcher;
    private readonly Lock _sessionLock = new();
    private SafeNvmlSessionHandle? _session;

    private delegate* unmanaged<int> _init;
    private delegate* unmanaged<int> _shutdown;
    private delegate* unmanaged<int, nint> _errorString;
    private delegate* unmanaged<uint*, int> _deviceCount;
    private delegate* unmanaged<uint, nint*, int> _handleByIndex;
    private delegate* unmanaged<nint, byte*, uint, int> _uuid;
    private delegate* unmanaged<nint, byte*, uint, int> _name;
    private delegate* unmanaged<nint, byte*, uint, int> _vbios;
    private delegate* unmanaged<nint, uint*, int> _architecture;
    private delegate* unmanaged<byte*, uint, int> _driverVersion;
    private delegate* unmanaged<NvmlNative.ConfComputeSystemState*, int> _ccState;
    private delegate* unmanaged<NvmlNative.ConfComputeSettings*, int> _ccSettings;
    private delegate* unmanaged<nint, NvmlNative.ConfComputeGpuAttestationReport*, int> _attestationReport;
    private delegate* unmanaged<nint, NvmlNative.ConfComputeGpuCertificate*, int> _certificate;
    private delegate* unmanaged<uint*, int> _readyGet;
    private delegate* unmanaged<uint, int> _readySet;

    private NvmlLibrary(string path, TimeSpan timeout)
    {
        Path = path;
        _dispatcher = new NvmlCallDispatcher(timeout);
    }

    /// <summary>What was loaded: the explicit path, or <see cref="NvmlNative.LibraryFileName"/>.</summary>
    public string Path { get; }

    /// <summary>The confidential-computing exports this library lacks (empty on r535+ drivers).</summary>
    public IReadOnlyList<string> MissingConfidentialComputeExports { get; private set; } = [];

    /// <summary>True when every confidential-computing export is present.</summary>
    public bool HasConfidentialComputeApi => MissingConfidentialComputeExports.Count == 0;

    /// <summary>The per-call deadline.</summary>
    public TimeSpan Timeout => _dispatcher.Timeout;

    /// <summary>
    /// Loads NVML from <paramref name="path"/> or, when null, <see cref="NvmlNative.LibraryFileName"/> from the system
    /// library path, and binds its exports. Throws <see cref="NvmlException"/> (LibraryNotFound, LibraryInvalid, Timeout).
    /// </summary>
    public static NvmlLibrary Load(string? path, TimeSpan timeout)
    {
        var library = new NvmlLibrary(path ?? NvmlNative.LibraryFileName, timeout);
        try
        {
            library._dispatcher.Invoke("load " + library.Path, () => library.Bind(path));
            return library;
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }

    /// <summary>nvmlInit_v2, once; the session is shut down (nvmlShutdown) on <see cref="Dispose"/>.</summary>
    public void Initialize()
    {
        lock (_sessionLock)
        {
            if (_session is { IsInvalid: false, IsClosed: false })
            {
                return;
            }

            Invoke("nvmlInit_v2", () => Check("nvmlInit_v2", _init()));
            _session = new SafeNvmlSessionHandle(this);
        }
    }

    public uint GetDeviceCount() => Invoke("nvmlDeviceGetCount_v2", () =>
    {
        uint count;
        Check("nvmlDeviceGetCount_v2", _deviceCount(&count));
        return count;
    });

    public string GetDriverVersion() => Invoke("nvmlSystemGetDriverVersion", () =>
    {
        var buffer = stackalloc byte[NvmlNative.DriverVersionBufferSize];
        Check("nvmlSystemGetDriverVersion", _driverVersion(buffer, NvmlNative.DriverVersionBufferSize));
        return Text(buffer, NvmlNative.DriverVersionBufferSize);
    });

    public string GetUuid(uint index) => DeviceString("nvmlDeviceGetUUID", index, _uuid, NvmlNative.UuidBufferSize);

    public string GetName(uint index) => DeviceString("nvmlDeviceGetName", index, _name, NvmlNative.NameBufferSize);

    public string GetVbiosVersion(uint index) => DeviceString("nvmlDeviceGetVbiosVersion", index, _vbios, NvmlNative.VbiosVersionBufferSize);

    /// <summary>nvmlDeviceGetArchitecture (nvmlDeviceArchitecture_t), or null when this NVML lacks it.</summary>
    public uint? GetArchitecture(uint index) => _architecture == null ? null : Invoke<uint?>("nvmlDeviceGetArchitecture", () =>
    {
        var device = Device(index);
        uint architecture;
        Check("nvmlDeviceGetArchitecture", _architecture(device, &architecture));
        return architecture;
    });

    public NvmlNative.ConfComputeSystemState GetConfComputeState()
    {
        RequireCc();
        return Invoke("nvmlSystemGetConfComputeState", () =>
        {
            NvmlNative.ConfComputeSystemState state;
            Check("nvmlSystemGetConfComputeState", _ccState(&state));
            return state;
        });
    }

    public NvmlNative.ConfComputeSettings GetConfComputeSettings()
    {
        RequireCc();
        return Invoke("nvmlSystemGetConfComputeSettings", () =>
        {
            var settings = new NvmlNative.ConfComputeSettings { Version = NvmlNative.ConfComputeSettingsV1 };
            Check("nvmlSystemGetConfComputeSettings", _ccSettings(&settings));
            return settings;
        });
    }

    public bool GetGpusReadyState()
    {
        RequireCc();
        return Invoke("nvmlSystemGetConfComputeGpusReadyState", () =>
        {
            uint accepting;
            Check("nvmlSystemGetConfComputeGpusReadyState", _readyGet(&accepting));
            return accepting == NvmlNative.AcceptingClientRequestsTrue;
        });
    }

    public void SetGpusReadyState(bool acceptingWork)
    {
        RequireCc();
        Invoke("nvmlSystemSetConfComputeGpusReadyState", () => Check("nvmlSystemSetConfComputeGpusReadyState", _readySet(acceptingWork ? 1u : 0u)));
    }

    /// <summary>nvmlDeviceGetConfComputeGpuAttestationReport for a 32-byte nonce: the SPDM report bytes.</summary>
    public byte[] GetAttestationReport(uint index, ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NvmlNative.CcNonceSize)
        {
            throw new ArgumentException($"The GPU attestation nonce must be {NvmlNative.CcNonceSize} bytes, not {nonce.Length}.", nameof(nonce));
        }

        RequireCc();
        var nonceCopy = nonce.ToArray();
        return Invoke("nvmlDeviceGetConfComputeGpuAttestationReport", () =>
        {
            var device = Device(index);
            var report = (NvmlNative.ConfComputeGpuAttestationReport*)NativeMemory.AllocZeroed((nuint)sizeof(NvmlNative.ConfComputeGpuAttestationReport));
            try
            {
                nonceCopy.CopyTo(new Span<byte>(report->Nonce, NvmlNative.CcNonceSize));
                Check("nvmlDeviceGetConfComputeGpuAttestationReport", _attestationReport(device, report));
                var size = report->AttestationReportSize;
                if (size is 0 or > NvmlNative.CcAttestationReportSize)
                {
                    throw new NvmlException(NvmlErrorReason.InvalidResult, $"nvmlDeviceGetConfComputeGpuAttestationReport: attestationReportSize {size} is outside 1..{NvmlNative.CcAttestationReportSize}.");
                }

                return new ReadOnlySpan<byte>(report->AttestationReport, (int)size).ToArray();
            }
            finally
            {
                NativeMemory.Free(report);
            }
        });
    }

    /// <summary>nvmlDeviceGetConfComputeGpuCertificate: the attestation certificate chain (PEM, leaf first).</summary>
    public byte[] GetAttestationCertificateChain(uint index)
    {
        RequireCc();
        return Invoke("nvmlDeviceGetConfComputeGpuCertificate", () =>
        {
            var device = Device(index);
            var certificate = (NvmlNative.ConfComputeGpuCertificate*)NativeMemory.AllocZeroed((nuint)sizeof(NvmlNative.ConfComputeGpuCertificate));
            try
            {
                Check("nvmlDeviceGetConfComputeGpuCertificate", _certificate(device, certificate));
                var size = certificate->AttestationCertChainSize;
                if (size is 0 or > NvmlNative.GpuAttestationCertChainSize)
                {
                    throw new NvmlException(NvmlErrorReason.InvalidResult, $"nvmlDeviceGetConfComputeGpuCertificate: attestationCertChainSize {size} is outside 1..{NvmlNative.GpuAttestationCertChainSize}.");
                }

                return new ReadOnlySpan<byte>(certificate->AttestationCertChain, (int)size).ToArray();
            }
            finally
            {
                NativeMemory.Free(certificate);
            }
        });
    }

    public void Dispose()
    {
        SafeNvmlSessionHandle? session;
        lock (_sessionLock)
        {
            session = _session;
            _session = null;
        }

        session?.Dispose();
        _dispatcher.Dispose();
    }

    /// <summary>nvmlShutdown, bounded; false when it failed, timed out or NVML is hung (the session is then leaked).</summary>
    internal bool TryShutdown()
    {
        if (_dispatcher.HungOperation is not null)
        {
            return false;
        }

        try
        {
            return _dispatcher.Invoke("nvmlShutdown", () => _shutdown()) == NvmlNative.Success;
        }
        catch (Exception ex) when (ex is NvmlException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Text(byte* buffer, int capacity)
    {
        var span = new ReadOnlySpan<byte>(buffer, capacity);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private T Invoke<T>(string operation, Func<T> call)
    {
        return _dispatcher.Invoke(operation, call);
    }

    private void Invoke(string operation, Action call) => _dispatcher.Invoke(operation, () =>
    {
        call();
        return true;
    });

    private string DeviceString(string operation, uint index, delegate* unmanaged<nint, byte*, uint, int> function, int capacity)
    {
        var address = (nint)function;
        return Invoke(operation, () =>
        {
            var device = Device(index);
            var buffer = stackalloc byte[capacity];
            Check(operation, ((delegate* unmanaged<nint, byte*, uint, int>)address)(device, buffer, (uint)capacity));
            return Text(buffer, capacity);
        });
    }

    /// <summary>nvmlDeviceGetHandleByIndex_v2; runs on the NVML thread (inside a work item).</summary>
    private nint Device(uint index)
    {
        nint device;
        Check("nvmlDeviceGetHandleByIndex_v2", _handleByIndex(index, &device));
        return device;
    }

    private void RequireCc()
    {
        if (!HasConfidentialComputeApi)
        {
            throw new NvmlException(
                NvmlErrorReason.ConfidentialComputeApiMissing,
                $"{ConfidentialComputeApiMissingMessage}: {Path} lacks {string.Join(", ", MissingConfidentialComputeExports)}.");
        }
    }

    /// <summary>Throws <see cref="NvmlException"/> for a non-success code; runs on the NVML thread.</summary>
    private void Check(string operation, int code)
    {
        if (code == NvmlNative.Success)
        {
            return;
        }

        string? description = null;
        if (_errorString != null && _errorString(code) is var text and not 0)
        {
            description = Marshal.PtrToStringUTF8(text);
        }

        throw NvmlException.CallFailed(operation, code, description);
    }

    private bool Bind(string? path)
    {
        nint module;
        if (path is not null)
        {
            try
            {
                module = NativeLibrary.Load(System.IO.Path.GetFullPath(path));
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or ArgumentException)
            {
                throw new NvmlException(NvmlErrorReason.LibraryNotFound, $"Cannot load NVML from {path}: {ex.Message}", ex);
            }
        }
        else if (!NativeLibrary.TryLoad(NvmlNative.LibraryFileName, out module))
        {
            throw new NvmlException(NvmlErrorReason.LibraryNotFound, $"No NVML library: {NvmlNative.LibraryFileName} is not on the library path (no NVIDIA driver on this host).");
        }

        var missing = new List<string>();
        nint Required(string name)
        {
            if (NativeLibrary.TryGetExport(module, name, out var address))
            {
                return address;
            }

            missing.Add(name);
            return 0;
        }

        nint Optional(string name) => NativeLibrary.TryGetExport(module, name, out var address) ? address : 0;

        _init = (delegate* unmanaged<int>)Required("nvmlInit_v2");
        _shutdown = (delegate* unmanaged<int>)Required("nvmlShutdown");
        _deviceCount = (delegate* unmanaged<uint*, int>)Required("nvmlDeviceGetCount_v2");
        _handleByIndex = (delegate* unmanaged<uint, nint*, int>)Required("nvmlDeviceGetHandleByIndex_v2");
        _uuid = (delegate* unmanaged<nint, byte*, uint, int>)Required("nvmlDeviceGetUUID");
        _name = (delegate* unmanaged<nint, byte*, uint, int>)Required("nvmlDeviceGetName");
        _vbios = (delegate* unmanaged<nint, byte*, uint, int>)Required("nvmlDeviceGetVbiosVersion");
        _driverVersion = (delegate* unmanaged<byte*, uint, int>)Required("nvmlSystemGetDriverVersion");
        if (missing.Count > 0)
        {
            throw new NvmlException(NvmlErrorReason.LibraryInvalid, $"{Path} is not a usable NVML library: it lacks {string.Join(", ", missing)}.");
        }

        _errorString = (delegate* unmanaged<int, nint>)Optional("nvmlErrorString");
        _architecture = (delegate* unmanaged<nint, uint*, int>)Optional("nvmlDeviceGetArchitecture");
        _ccState = (delegate* unmanaged<NvmlNative.ConfComputeSystemState*, int>)Optional(CcExports[0]);
        _ccSettings = (delegate* unmanaged<NvmlNative.ConfComputeSettings*, int>)Optional(CcExports[1]);
        _attestationReport = (delegate* unmanaged<nint, NvmlNative.ConfComputeGpuAttestationReport*, int>)Optional(CcExports[2]);
        _certificate = (delegate* unmanaged<nint, NvmlNative.ConfComputeGpuCertificate*, int>)Optional(CcExports[3]);
        _readyGet = (delegate* unmanaged<uint*, int>)Optional(CcExports[4]);
        _readySet = (delegate* unmanaged<uint, int>)Optional(CcExports[5]);
        MissingConfidentialComputeExports = CcExports.Where(name => !NativeLibrary.TryGetExport(module, name, out _)).ToArray();
        return true;
    }
}
