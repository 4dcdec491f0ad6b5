using System.Diagnostics;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu;

/// <summary>
/// The PTX proof, without a GPU: every kernel the ILGPU backend loads (<see cref="IlgpuKernelSet.Definitions"/>) is compiled
/// by ILGPU's own PTX backend for Hopper (SM_90, PTX ISA 7.8 — what ptxas from CUDA 11.8 accepts; ILGPU 1.5.3 writes
/// <c>.target sm_80</c>, its highest, into the module), in an ILGPU context
/// with no CUDA accelerator, exactly as the CUDA accelerator would (same optimization level, ILGPU.Algorithms enabled);
/// then, where a <c>ptxas</c> is found (env var PTXAS, PATH, or .tools/cuda/bin/ptxas from deploy/install-ptxas.sh), each
/// PTX module is assembled for sm_90 and any ptxas error fails the test. Without ptxas the assemble test is skipped
/// with the reason; the compile test always runs.
/// </summary>
[TestFixture]
public sealed class PtxCompilationTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Ptx = new(CompileAll);

    public static IEnumerable<TestCaseData> Kernels() =>
        IlgpuKernelSet.Definitions.Select(k => new TestCaseData(k.Name));

    private static IReadOnlyDictionary<string, string> CompileAll()
    {
        // Same context as IlgpuDevice's CUDA flavour, minus the device: the PTX backend needs only a context.
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, null);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, method, explicitlyGrouped) in IlgpuKernelSet.Definitions)
        {
            var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
            result[name] = compiled.PTXAssembly;
        }

        return result;
    }

    [Test]
    public void Definitions_CoverEveryKernelTheSetLoads()
    {
        var loaded = typeof(IlgpuKernelSet).GetProperties()
            .Where(p => p.PropertyType.IsGenericType && p.PropertyType.Name.StartsWith("Action", StringComparison.Ordinal))
            .Select(p => p.Name);

        Assert.That(IlgpuKernelSet.Definitions.Select(d => d.Name), Is.EquivalentTo(loaded));
        Assert.That(IlgpuKernelSet.Definitions, Has.Count.EqualTo(14));
    }

    [TestCaseSource(nameof(Kernels))]
    public void Compile_ForSm90_ProducesPtxModule(string kernel)
    {
        var ptx = Ptx.Value[kernel];

        // ILGPU 1.5.3 writes at most ".target sm_80" into the module even when compiling for SM_90 (PTX is forward
        // compatible); assembling it for sm_90 is ptxas's job here and the driver's JIT on the GPU host.
        Assert.That(ptx, Does.Contain(".version 7.8").And.Contain(".entry"));
        var target = System.Text.RegularExpressions.Regex.Match(ptx, @"^\.target sm_(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(target.Success, Is.True, "no .target line");
        Assert.That(int.Parse(target.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.InRange(80, 90));
        // Tanh/GeluTanh use KernelMath.Tanh: tanh.approx.f32 (about 2^-11 relative error) would break the tolerance.
        Assert.That(ptx, Does.Not.Contain("tanh.approx"));
    }

    [TestCaseSource(nameof(Kernels))]
    public async Task Assemble_WithPtxasForSm90_SucceedsAsync(string kernel)
    {
        var ptxas = FindPtxas(out var searched);
        if (ptxas is null)
        {
            Assert.Ignore($"ptxas not found ({searched}); run deploy/install-ptxas.sh (Debian non-free nvidia-cuda-toolkit 11.8) or set PTXAS");
        }

        var dir = Directory.CreateTempSubdirectory("phala-ptx-");
        try
        {
            var source = Path.Combine(dir.FullName, kernel + ".ptx");
            await File.WriteAllTextAsync(source, Ptx.Value[kernel]);
            var start = new ProcessStartInfo(ptxas, ["-arch=sm_90", "-o", Path.Combine(dir.FullName, kernel + ".cubin"), source])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);

            Assert.That(process.ExitCode, Is.Zero, $"ptxas -arch=sm_90 failed on {kernel}: {await stderr}{await stdout}");
            Assert.That(new FileInfo(Path.Combine(dir.FullName, kernel + ".cubin")).Length, Is.GreaterThan(0));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>PTXAS, then PATH, then .tools/cuda/bin/ptxas above the test assembly (where deploy/install-ptxas.sh unpacks it).</summary>
    internal static string? FindPtxas(out string searched)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PTXAS") is { Length: > 0 } fromEnv)
        {
            candidates.Add(fromEnv);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(dir, "ptxas"));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, ".tools", "cuda", "bin", "ptxas"));
        }

        searched = "PTXAS, PATH, .tools/cuda/bin/ptxas";
        return candidates.FirstOrDefault(File.Exists);
    }
}
