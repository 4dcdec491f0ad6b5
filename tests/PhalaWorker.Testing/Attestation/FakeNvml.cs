using System.Runtime.InteropServices;
using NUnit.Framework;

namespace PhalaWorker.Testing.Attestation;

/// <summary>
/// The fake NVML built by native/ (<c>native/build/libfake_nvidia_ml.so</c>, <c>…_nocc.so</c> without the CC API, and
/// <c>fake-driver/</c> with libnvidia-ml.so.1 + a stub libcuda.so.1). <see cref="Configure"/> writes a config file and
/// loads it through the fake's <c>fake_nvml_configure</c> export; the state is process-wide, so fixtures using it must be
/// <c>[NonParallelizable]</c>.
/// </summary>
public static unsafe class FakeNvml
{
    /// <summary>The fake with the confidential-computing API.</summary>
    public const string LibraryFileName = "libfake_nvidia_ml.so";

    /// <summary>The fake without the confidential-computing exports.</summary>
    public const string NoCcLibraryFileName = "libfake_nvidia_ml_nocc.so";

    /// <summary>Why the tests are skipped, for <c>Assert.Ignore</c>.</summary>
    public const string SkipReason = "the fake NVML is not built (run native/build.sh, or the CMake step of deploy/test.sh)";

    /// <summary>The <c>native/build</c> directory holding the fake, or null.</summary>
    public static string? BuildDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "native", "build");
            if (File.Exists(Path.Combine(candidate, LibraryFileName)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Full path of a file in <see cref="BuildDirectory"/>; Assert.Ignore (with the reason) when not built.</summary>
    public static string RequirePath(string relativePath)
    {
        var path = BuildDirectory() is { } build ? Path.Combine(build, relativePath) : null;
        if (path is null || !File.Exists(path))
        {
            Assert.Ignore($"{SkipReason}: {relativePath} not found");
        }

        return path!;
    }

    /// <summary>
    /// Configures the fake at <paramref name="libraryPath"/>: evidence from tests/testdata/gpu-attestation plus
    /// <paramref name="extraLines"/> (e.g. <c>cc=off</c>, <c>report_delay_ms=5000</c>).
    /// </summary>
    public static void Configure(string libraryPath, TempDirectory directory, params string[] extraLines)
    {
        var config = directory.File("fake-nvml.conf");
        File.WriteAllLines(config,
        [
            "report=" + TestData.Path("gpu-attestation", "attestation_report.bin"),
            "cert_chain=" + TestData.Path("gpu-attestation", "cert_chain.pem"),
            .. extraLines,
        ]);
        var configure = (delegate* unmanaged<byte*, int>)Export(libraryPath, "fake_nvml_configure");
        var bytes = System.Text.Encoding.UTF8.GetBytes(config + "\0");
        fixed (byte* p = bytes)
        {
            if (configure(p) != 0)
            {
                throw new InvalidOperationException($"fake_nvml_configure({config}) failed");
            }
        }
    }

    /// <summary><c>native/build/fake-driver/</c>: the stub libcuda.so.1 and the fake as libnvidia-ml.so.1 (a driver-only host).</summary>
    public static string FakeDriverDirectory => Path.GetDirectoryName(RequirePath(Path.Combine("fake-driver", "libcuda.so.1")))!;

    /// <summary>Chooses what the stub libcuda.so.1's cuInit, cuDriverGetVersion and cuDeviceGetCount answer.</summary>
    public static void ConfigureStubCuda(int initResult, int driverVersion, int deviceCount)
    {
        var configure = (delegate* unmanaged<int, int, int, void>)Export(Path.Combine(FakeDriverDirectory, "libcuda.so.1"), "stub_cuda_configure");
        configure(initResult, driverVersion, deviceCount);
    }

    /// <summary>The nonce of the last attestation report request the fake received.</summary>
    public static byte[] LastNonce(string libraryPath)
    {
        var lastNonce = (delegate* unmanaged<byte*, void>)Export(libraryPath, "fake_nvml_last_nonce");
        var nonce = new byte[32];
        fixed (byte* p = nonce)
        {
            lastNonce(p);
        }

        return nonce;
    }

    private static nint Export(string libraryPath, string name) =>
        NativeLibrary.GetExport(NativeLibrary.Load(Path.GetFullPath(libraryPath)), name);
}
