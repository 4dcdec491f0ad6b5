using System.Diagnostics;
using System.Runtime.InteropServices;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Attestation.Native;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Gpu.Nvml;

/// <summary>The NVML binding against the fake NVML built in native/ (loaded by path, through the real P/Invoke path).</summary>
[NonParallelizable] // the fake's configuration is process-wide
public sealed class NvmlLibraryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private TempDirectory _directory = null!;
    private string _fake = null!;

    [SetUp]
    public void SetUp()
    {
        _fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        _directory = new TempDirectory("fake-nvml");
    }

    [TearDown]
    public void TearDown() => _directory?.Dispose(); // SetUp may have skipped (no fake NVML built) before creating it

    private NvmlLibrary Start(params string[] config)
    {
        FakeNvml.Configure(_fake, _directory, config);
        var library = NvmlLibrary.Load(_fake, Deadline);
        library.Initialize();
        return library;
    }

    private static byte[] Nonce => Convert.FromHexString(File.ReadAllText(TestData.Path("gpu-attestation", "nonce.hex")).Trim());

    [Test]
    public void StructLayouts_MatchNvmlHeader()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Marshal.SizeOf<NvmlNative.ConfComputeGpuAttestationReport>(), Is.EqualTo(12 + 0x20 + 0x2000 + 0x1000));
            Assert.That(Marshal.OffsetOf<NvmlNative.ConfComputeGpuAttestationReport>("Nonce"), Is.EqualTo((nint)12));
            Assert.That(Marshal.OffsetOf<NvmlNative.ConfComputeGpuAttestationReport>("AttestationReport"), Is.EqualTo((nint)44));
            Assert.That(Marshal.SizeOf<NvmlNative.ConfComputeGpuCertificate>(), Is.EqualTo(8 + 0x1000 + 0x1400));
            Assert.That(Marshal.OffsetOf<NvmlNative.ConfComputeGpuCertificate>("AttestationCertChain"), Is.EqualTo((nint)(8 + 0x1000)));
            Assert.That(NvmlNative.ConfComputeSettingsV1, Is.EqualTo(0x01000014u));
        });
    }

    [Test]
    public void AttestationReport_RealH100Files_ComeBackByteIdentical()
    {
        using var library = Start();

        var report = library.GetAttestationReport(0, Nonce);
        var chain = library.GetAttestationCertificateChain(0);

        Assert.That(report, Is.EqualTo(TestData.ReadBytes("gpu-attestation", "attestation_report.bin")));
        Assert.That(chain, Is.EqualTo(TestData.ReadBytes("gpu-attestation", "cert_chain.pem")));
        Assert.That(FakeNvml.LastNonce(_fake), Is.EqualTo(Nonce), "the nonce reaches NVML in nvmlConfComputeGpuAttestationReport_t.nonce");
    }

    [Test]
    public void Identity_Fake_DriverVbiosUuidArchitecture()
    {
        using var library = Start("gpus=2", "driver=550.90.07", "vbios=96.00.9F.00.01");

        Assert.That(library.GetDeviceCount(), Is.EqualTo(2u));
        Assert.That(library.GetDriverVersion(), Is.EqualTo("550.90.07"));
        Assert.That(library.GetVbiosVersion(1), Is.EqualTo("96.00.9F.00.01"));
        Assert.That(library.GetUuid(0), Does.StartWith("GPU-").And.Not.EqualTo(library.GetUuid(1)));
        Assert.That(library.GetName(0), Is.EqualTo("NVIDIA H100 PCIe"));
        Assert.That(library.GetArchitecture(0), Is.EqualTo(NvmlNative.ArchHopper));
        Assert.That(library.HasConfidentialComputeApi, Is.True);
    }

    [Test]
    public void DeviceHandle_IndexOutOfRange_NamedError()
    {
        using var library = Start();

        var ex = Assert.Throws<NvmlException>(() => library.GetUuid(5));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.CallFailed));
        Assert.That(ex.ErrorName, Is.EqualTo("NVML_ERROR_INVALID_ARGUMENT"));
        Assert.That(ex.Message, Does.Contain("nvmlDeviceGetHandleByIndex_v2").And.Contain("Invalid Argument"));
    }

    [TestCase(3, "NVML_ERROR_NOT_SUPPORTED", "Not Supported")]
    [TestCase(15, "NVML_ERROR_GPU_IS_LOST", "GPU is lost")]
    [TestCase(999, "NVML_ERROR_UNKNOWN", "Unknown Error")]
    public void AttestationReport_GpuCannotAttest_ErrorByNameAndErrorString(int code, string name, string text)
    {
        using var library = Start($"report_error={code}");

        var ex = Assert.Throws<NvmlException>(() => library.GetAttestationReport(0, Nonce));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.CallFailed));
        Assert.That(ex.ReturnCode, Is.EqualTo(code));
        Assert.That(ex.ErrorName, Is.EqualTo(name));
        Assert.That(ex.Message, Is.EqualTo($"nvmlDeviceGetConfComputeGpuAttestationReport failed: {name} ({text})"));
        Assert.That(ex.Reason, Is.EqualTo(AttestationErrorReason.ProviderFailed));
    }

    [Test]
    public void AttestationReport_CcOff_NotSupported()
    {
        using var library = Start("cc=off");

        var ex = Assert.Throws<NvmlException>(() => library.GetAttestationReport(0, Nonce));

        Assert.That(ex!.ErrorName, Is.EqualTo("NVML_ERROR_NOT_SUPPORTED"));
        Assert.That(library.GetConfComputeState().CcFeature, Is.EqualTo(0u));
    }

    [Test]
    public void AttestationReport_Hangs_TimesOutWithinDeadlineThenRefusesFurtherCalls()
    {
        FakeNvml.Configure(_fake, _directory, "report_delay_ms=5000");
        using var library = NvmlLibrary.Load(_fake, TimeSpan.FromMilliseconds(300));
        library.Initialize();
        var stopwatch = Stopwatch.StartNew();

        var ex = Assert.Throws<NvmlException>(() => library.GetAttestationReport(0, Nonce));

        stopwatch.Stop();
        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.Timeout));
        Assert.That(ex.Message, Does.Contain("nvmlDeviceGetConfComputeGpuAttestationReport did not return within 0.3 s"));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "the caller is released at the deadline, not when the 5 s call returns");
        var next = Assert.Throws<NvmlException>(() => library.GetDriverVersion());
        Assert.That(next!.NvmlReason, Is.EqualTo(NvmlErrorReason.Timeout));
        Assert.That(next.Message, Does.Contain("still running past its"));
    }

    [Test]
    public void NoCcBuild_MissingExports_ReportedAsDriverTooOld()
    {
        var nocc = FakeNvml.RequirePath(FakeNvml.NoCcLibraryFileName);
        FakeNvml.Configure(nocc, _directory);
        using var library = NvmlLibrary.Load(nocc, Deadline);
        library.Initialize();

        var ex = Assert.Throws<NvmlException>(() => library.GetAttestationReport(0, Nonce));

        Assert.That(library.HasConfidentialComputeApi, Is.False);
        Assert.That(library.MissingConfidentialComputeExports, Has.Count.EqualTo(6).And.Contain("nvmlDeviceGetConfComputeGpuAttestationReport"));
        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.ConfidentialComputeApiMissing));
        Assert.That(ex.Message, Does.StartWith("this NVML has no confidential-computing API (driver too old)"));
        Assert.That(library.GetDriverVersion(), Is.EqualTo("550.90.07"), "the basic API still works");
    }

    [Test]
    public void Initialize_DriverNotLoaded_NamedError()
    {
        FakeNvml.Configure(_fake, _directory, "init_error=9");
        using var library = NvmlLibrary.Load(_fake, Deadline);

        var ex = Assert.Throws<NvmlException>(library.Initialize);

        Assert.That(ex!.ErrorName, Is.EqualTo("NVML_ERROR_DRIVER_NOT_LOADED"));
        Assert.That(ex.Message, Does.StartWith("nvmlInit_v2 failed"));
    }

    [Test]
    public void Load_MissingFile_LibraryNotFound()
    {
        var ex = Assert.Throws<NvmlException>(() => NvmlLibrary.Load(_directory.File("libnvidia-ml.so.1"), Deadline));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.LibraryNotFound));
        Assert.That(ex.Reason, Is.EqualTo(AttestationErrorReason.ProviderUnavailable));
    }

    [Test]
    public void Load_NotNvml_LibraryInvalidNamesMissingExports()
    {
        var other = FakeNvml.RequirePath(Path.Combine("fake-driver", "libcuda.so.1"));

        var ex = Assert.Throws<NvmlException>(() => NvmlLibrary.Load(other, Deadline));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.LibraryInvalid));
        Assert.That(ex.Message, Does.Contain("nvmlInit_v2"));
    }

    [Test]
    public void ReadyState_SetThenGet_RoundTrips()
    {
        using var library = Start();

        Assert.That(library.GetGpusReadyState(), Is.False);
        library.SetGpusReadyState(true);
        Assert.That(library.GetGpusReadyState(), Is.True);
    }

    [Test]
    public void AttestationReport_WrongNonceLength_ArgumentException()
    {
        using var library = Start();

        Assert.Throws<ArgumentException>(() => library.GetAttestationReport(0, new byte[31]));
    }
}
