using System.Reflection;
using System.Runtime.InteropServices;
using PhalaWorker.Attestation.Providers;

namespace PhalaWorker.Attestation.Native;

/// <summary>
/// P/Invoke surface of the native shim <c>libphala_tee.so</c> (native/). The library is resolved, in order, from the
/// <c>PHALA_TEE_LIBRARY</c> environment variable (a file path), next to the application, from <c>native/build/</c> of the
/// repository the application runs from (development and tests), then the system library path.
/// </summary>
internal static unsafe partial class TeeShim
{
    public const string LibraryName = "phala_tee";
    public const string LibraryFileName = "libphala_tee.so";
    public const string PathEnvironmentVariable = "PHALA_TEE_LIBRARY";
    public const int ExpectedAbiVersion = 1;

    public const int Ok = 0;
    public const int ErrNoProvider = -1;
    public const int ErrGenerationRace = -2;
    public const int ErrShortOutblob = -3;
    public const int ErrIo = -4;
    public const int ErrBufferTooSmall = -5;
    public const int ErrInvalidArgument = -6;

    public const int ReportDataLength = 64;
    public const int TdReportLength = 1024;
    public const int RtmrLength = 48;

    private static readonly Lazy<string?> LoadFailure = new(TryLoad);
    private static string? _loadedPath;

    static TeeShim()
    {
        NativeLibrary.SetDllImportResolver(typeof(TeeShim).Assembly, Resolve);
    }

    /// <summary>True when the shim loads and has the expected ABI version.</summary>
    public static bool IsAvailable => LoadFailure.Value is null;

    /// <summary>Why the shim is unavailable (null when available).</summary>
    public static string? UnavailableReason => LoadFailure.Value;

    /// <summary>The file the shim was loaded from, when known.</summary>
    public static string? LoadedPath => _loadedPath;

    /// <summary>Throws <see cref="TeeProviderException"/> (ShimUnavailable) unless the shim is usable.</summary>
    public static void EnsureAvailable()
    {
        if (LoadFailure.Value is { } reason)
        {
            throw new TeeProviderException(TeeErrorReason.ShimUnavailable, reason);
        }
    }

    /// <summary>Maps a shim status to a reason.</summary>
    public static TeeErrorReason ToReason(int status) => status switch
    {
        ErrNoProvider => TeeErrorReason.NoProvider,
        ErrGenerationRace => TeeErrorReason.GenerationRace,
        ErrShortOutblob => TeeErrorReason.ShortOutput,
        ErrIo => TeeErrorReason.IoError,
        ErrBufferTooSmall => TeeErrorReason.BufferTooSmall,
        ErrInvalidArgument => TeeErrorReason.InvalidArgument,
        _ => TeeErrorReason.Unknown,
    };

    /// <summary>Builds the exception for a failed shim call.</summary>
    public static TeeProviderException Failure(string operation, int status, int osError)
    {
        var message = $"{operation}: {StrError(status)}";
        if (osError != 0)
        {
            message += $" (errno {osError}: {Marshal.GetPInvokeErrorMessage(osError)})";
        }

        return new TeeProviderException(ToReason(status), message);
    }

    public static string StrError(int status) => Marshal.PtrToStringUTF8(StrErrorNative(status)) ?? "unknown";

    [LibraryImport(LibraryName, EntryPoint = "phala_tee_abi_version")]
    public static partial int AbiVersion();

    [LibraryImport(LibraryName, EntryPoint = "phala_tee_strerror")]
    private static partial nint StrErrorNative(int status);

    [LibraryImport(LibraryName, EntryPoint = "phala_tsm_probe", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TsmProbe(string? root, out int osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_tsm_get_quote")]
    public static partial int TsmGetQuote(
        TsmOptionsNative* options, byte* reportData, nuint reportDataLength, byte* quote, nuint quoteCapacity, nuint* quoteLength,
        byte* provider, nuint providerCapacity, int* osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_tdx_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TdxOpen(string? devicePath, out int fd, out int osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_tdx_close")]
    public static partial int TdxClose(int fd);

    [LibraryImport(LibraryName, EntryPoint = "phala_tdx_get_report")]
    public static partial int TdxGetReport(SafeTdxGuestHandle fd, byte* reportData, nuint reportDataLength, byte* tdReport, nuint tdReportCapacity, int* osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_tdx_extend_rtmr")]
    public static partial int TdxExtendRtmr(SafeTdxGuestHandle fd, int index, byte* digest, nuint digestLength, int* osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_rtmr_extend", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RtmrExtend(string? measurementsDir, int index, byte* digest, nuint digestLength, out int osError);

    [LibraryImport(LibraryName, EntryPoint = "phala_rtmr_read", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RtmrRead(string? measurementsDir, int index, byte* value, nuint valueCapacity, out int osError);

    /// <summary>Mirror of <c>phala_tsm_options</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TsmOptionsNative
    {
        public nint Root;
        public nint EntryName;
        public delegate* unmanaged<nint, nint, void> AfterInblobWrite;
        public nint HookContext;
    }

    private static string? TryLoad()
    {
        try
        {
            var version = AbiVersion();
            return version == ExpectedAbiVersion ? null : $"{LibraryFileName} has ABI version {version}, expected {ExpectedAbiVersion}.";
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"The native TEE shim {LibraryFileName} could not be loaded (build it with native/build.sh, or set {PathEnvironmentVariable}): {ex.Message}";
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }

        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                _loadedPath = candidate;
                return handle;
            }
        }

        if (NativeLibrary.TryLoad(LibraryFileName, assembly, searchPath, out var systemHandle))
        {
            _loadedPath = LibraryFileName;
            return systemHandle;
        }

        return 0;
    }

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable(PathEnvironmentVariable) is { Length: > 0 } explicitPath)
        {
            yield return explicitPath;
        }

        var baseDirectory = AppContext.BaseDirectory;
        yield return Path.Combine(baseDirectory, LibraryFileName);
        for (var directory = new DirectoryInfo(baseDirectory); directory is not null; directory = directory.Parent)
        {
            yield return Path.Combine(directory.FullName, "native", "build", LibraryFileName);
        }
    }
}
