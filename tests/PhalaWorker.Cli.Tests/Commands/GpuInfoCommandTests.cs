using System.Runtime.InteropServices;
using System.Text.Json;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary><c>phala-worker gpu info</c> against the fake NVML and the stub libcuda.so.1 from native/build.</summary>
[NonParallelizable] // the fake NVML and the stub CUDA driver hold process-wide state
public sealed class GpuInfoCommandTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory("gpu-info");

    [TearDown]
    public void TearDown() => _directory.Dispose();

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string Fake(string file, params string[] config)
    {
        var path = FakeNvml.RequirePath(file);
        FakeNvml.Configure(path, _directory, config);
        return path;
    }

    [Test]
    public async Task Info_NoDriverOnHost_SaysNoNvmlLibraryExit1Async()
    {
        if (NativeLibrary.TryLoad("libnvidia-ml.so.1", out _))
        {
            Assert.Ignore("this host has an NVIDIA driver (libnvidia-ml.so.1 loads), so the no-driver message cannot be shown");
        }

        var (exit, output, _) = await RunAsync("gpu", "info");

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Does.Contain("NVML: no NVML library (libnvidia-ml.so.1 not found): no NVIDIA driver or GPU on this host"));
        Assert.That(output, Does.Contain("usable: no"));
    }

    [Test]
    public async Task Info_FakeCcGpuAndStubCuda_Exit0JsonAsync()
    {
        var nvml = Fake(FakeNvml.LibraryFileName, "gpus=2");
        FakeNvml.ConfigureStubCuda(initResult: 0, driverVersion: 12040, deviceCount: 2);

        var (exit, output, error) = await RunAsync("gpu", "info", "--nvml", nvml, "--cuda-dir", FakeNvml.FakeDriverDirectory, "--json");

        Assert.That(exit, Is.EqualTo(0), error + output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("usable").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("reason").ValueKind, Is.EqualTo(JsonValueKind.Null));
            var nvmlJson = root.GetProperty("nvml");
            Assert.That(nvmlJson.GetProperty("driverVersion").GetString(), Is.EqualTo("550.90.07"));
            Assert.That(nvmlJson.GetProperty("ccFeature").GetBoolean(), Is.True);
            Assert.That(nvmlJson.GetProperty("devToolsMode").GetBoolean(), Is.False);
            Assert.That(nvmlJson.GetProperty("multiGpuMode").GetString(), Is.EqualTo("NONE"));
            Assert.That(nvmlJson.GetProperty("gpus").GetArrayLength(), Is.EqualTo(2));
            Assert.That(nvmlJson.GetProperty("gpus")[0].GetProperty("vbiosVersion").GetString(), Is.EqualTo("96.00.9F.00.01"));
            Assert.That(root.GetProperty("cuda").GetProperty("deviceCount").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("cuda").GetProperty("driverVersion").GetString(), Is.EqualTo("12.4"));
        });
    }

    [Test]
    public async Task Info_DevToolsOn_Exit1WithReasonAsync()
    {
        var nvml = Fake(FakeNvml.LibraryFileName, "devtools=on");
        FakeNvml.ConfigureStubCuda(initResult: 0, driverVersion: 12040, deviceCount: 1);

        var (exit, output, _) = await RunAsync("gpu", "info", "--nvml", nvml, "--cuda-dir", FakeNvml.FakeDriverDirectory);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Does.Contain("DevTools: on"));
        Assert.That(output, Does.Contain("usable: no (CC DevTools mode is on"));
    }

    [Test]
    public async Task Info_NvmlWithoutCcApi_Exit1DriverTooOldAsync()
    {
        var nvml = Fake(FakeNvml.NoCcLibraryFileName);

        var (exit, output, _) = await RunAsync("gpu", "info", "--nvml", nvml, "--json");

        using var json = JsonDocument.Parse(output);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(json.RootElement.GetProperty("nvml").GetProperty("confidentialComputeApi").GetBoolean(), Is.False);
        Assert.That(json.RootElement.GetProperty("reason").GetString(), Does.StartWith("this NVML has no confidential-computing API (driver too old)"));
    }

    [Test]
    public async Task Info_CudaWithoutDevices_Exit1CudaReasonAsync()
    {
        var nvml = Fake(FakeNvml.LibraryFileName);
        FakeNvml.ConfigureStubCuda(initResult: 100, driverVersion: 12040, deviceCount: 0);

        var (exit, output, _) = await RunAsync("gpu", "info", "--nvml", nvml, "--cuda-dir", FakeNvml.FakeDriverDirectory);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Does.Contain("usable: no (CUDA: cuInit failed: CUDA_ERROR_NO_DEVICE (100))"));
    }

    [Test]
    public async Task Info_MissingNvmlFile_Exit2Async()
    {
        var (exit, _, error) = await RunAsync("gpu", "info", "--nvml", _directory.File("libnvidia-ml.so.1"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--nvml: file not found"));
    }

    [Test]
    public async Task Info_NotAnNvmlLibrary_Exit2Async()
    {
        var (exit, _, error) = await RunAsync("gpu", "info", "--nvml", Path.Combine(FakeNvml.FakeDriverDirectory, "libcuda.so.1"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("is not a usable NVML library"));
    }
}
