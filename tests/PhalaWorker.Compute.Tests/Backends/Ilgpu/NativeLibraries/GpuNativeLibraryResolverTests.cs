using System.Runtime.InteropServices;
using PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu.NativeLibraries;

public sealed class GpuNativeLibraryResolverTests
{
    [TestCase("cuda", new[] { "libcuda.so.1", "libcuda.so" })]
    [TestCase("libcuda.so", new[] { "libcuda.so.1", "libcuda.so" })]
    [TestCase("libcublas.so.12", new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11" })]
    [TestCase("libcublas.so.10", new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11" })]
    [TestCase("nvidia-ml.so", new[] { "libnvidia-ml.so.1" })]
    [TestCase("phala_tee", new string[0])]
    public void CandidatesFor_IlgpuImportNames_VersionedDriverFiles(string imported, string[] expected)
    {
        Assert.That(GpuNativeLibraryResolver.CandidatesFor(imported), Is.EqualTo(expected));
    }

    [Test]
    public void Install_ComputeAssemblyLoaded_ResolverInstalledForIlgpu()
    {
        GpuNativeLibraryResolver.Install();

        Assert.That(GpuNativeLibraryResolver.InstalledAs, Is.EqualTo("DllImportResolver").Or.EqualTo("ResolvingUnmanagedDll"));
        Assert.That(GpuNativeLibraryResolver.IlgpuAssembly.GetName().Name, Is.EqualTo("ILGPU"));
    }

    [Test]
    public void TryLoad_DriverOnlyDirectory_FindsVersionedLibcuda()
    {
        var tried = new List<string>();

        var found = GpuNativeLibraryResolver.TryLoad("cuda", [FakeNvml.FakeDriverDirectory], systemSearch: false, out var handle, out var loadedFrom, tried);

        Assert.That(found, Is.True);
        Assert.That(loadedFrom, Does.EndWith("fake-driver/libcuda.so.1"));
        Assert.That(NativeLibrary.TryGetExport(handle, "cuInit", out _), Is.True);
        Assert.That(tried, Has.Count.EqualTo(1));
    }

    [Test]
    public void TryLoad_NvmlImportName_FindsLibnvidiaMlSo1()
    {
        var found = GpuNativeLibraryResolver.TryLoad("nvidia-ml.so", [FakeNvml.FakeDriverDirectory], systemSearch: false, out var handle, out var loadedFrom, new List<string>());

        Assert.That(found, Is.True);
        Assert.That(loadedFrom, Does.EndWith("fake-driver/libnvidia-ml.so.1"));
        Assert.That(NativeLibrary.TryGetExport(handle, "nvmlInit_v2", out _), Is.True);
    }

    [Test]
    public void TryLoad_NoLibraries_ListsEveryNameTried()
    {
        var empty = Path.Combine(Path.GetTempPath(), "no-driver-" + Guid.NewGuid().ToString("N"));
        var tried = new List<string>();

        var found = GpuNativeLibraryResolver.TryLoad("libcublas.so.12", [empty], systemSearch: false, out _, out var loadedFrom, tried);

        Assert.That(found, Is.False);
        Assert.That(loadedFrom, Is.Null);
        Assert.That(tried, Is.EqualTo(new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11" }.Select(n => Path.Combine(empty, n))));
    }
}
