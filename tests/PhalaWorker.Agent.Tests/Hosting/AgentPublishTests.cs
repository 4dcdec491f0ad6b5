using System.Diagnostics;
using System.Runtime.InteropServices;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Hosting;

/// <summary>
/// <c>dotnet publish</c> of the agent ships the native TEE shim: the published <c>libphala_tee.so</c> exists and loads,
/// and exports the shim's ABI. Without it a TDX host could not produce a quote. Needs cmake and gcc (deploy/install-deps.sh).
/// </summary>
[Category("Publish")]
public sealed class AgentPublishTests
{
    [Test]
    public async Task Publish_ShipsLoadableNativeShimAsync()
    {
        Assume.That(OperatingSystem.IsLinux(), "libphala_tee.so is a Linux shim");
        using var output = new TempDirectory("agent-publish");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestData.RepositoryRoot,
        };
        foreach (var arg in new[] { "publish", Path.Combine("src", "PhalaWorker.Agent", "PhalaWorker.Agent.csproj"), "-c", configuration, "--no-build", "-nologo", "-o", output.Path })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        Assert.That(process.ExitCode, Is.EqualTo(0), await stdout + await stderr);
        var library = output.File("libphala_tee.so");
        Assert.That(File.Exists(library), Is.True, "libphala_tee.so not in the publish output");
        Assert.That(File.Exists(output.File("PhalaWorker.Agent.dll")), Is.True);
        Assert.That(File.Exists(output.File("appsettings.json")), Is.True);
        Assert.That(NativeLibrary.TryLoad(library, out var handle), Is.True, "the published libphala_tee.so does not load");
        try
        {
            Assert.That(NativeLibrary.TryGetExport(handle, "phala_tee_abi_version", out _), Is.True);
            Assert.That(NativeLibrary.TryGetExport(handle, "phala_tsm_probe", out _), Is.True);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}
