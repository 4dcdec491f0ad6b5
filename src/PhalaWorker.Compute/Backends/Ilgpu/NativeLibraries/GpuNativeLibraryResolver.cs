using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;

/// <summary>
/// Maps the NVIDIA library names ILGPU 1.5.3 imports to the files a driver-only host actually has. ILGPU declares
/// <c>[DllImport("cuda")]</c> (probed as <c>libcuda.so</c>, which only the CUDA toolkit's dev package installs),
/// <c>"nvidia-ml.so"</c>, and <c>"libcublas.so.10/11/12"</c>; the driver installs <c>libcuda.so.1</c> and
/// <c>libnvidia-ml.so.1</c>, and current toolkits ship <c>libcublas.so.13</c>. The resolver, installed for the ILGPU
/// assembly when this assembly loads, tries <see cref="CandidatesFor"/> in each search directory, then by bare name on
/// the system library path.
/// </summary>
public static class GpuNativeLibraryResolver
{
    private static readonly string[] Cuda = ["libcuda.so.1", "libcuda.so"];
    private static readonly string[] CuBlas = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"];
    private static readonly string[] Nvml = ["libnvidia-ml.so.1"];
    private static int _installed;

    /// <summary>The assembly whose imports are resolved (ILGPU; its cuBLAS bindings live there too).</summary>
    public static Assembly IlgpuAssembly => typeof(global::ILGPU.Context).Assembly;

    /// <summary>How the resolver was installed: <c>DllImportResolver</c>, <c>ResolvingUnmanagedDll</c> (ILGPU had its own resolver), or null.</summary>
    public static string? InstalledAs { get; private set; }

    /// <summary>Installs the resolver once (idempotent).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) != 0)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(IlgpuAssembly, (name, assembly, searchPath) => Resolve(name));
            InstalledAs = "DllImportResolver";
        }
        catch (InvalidOperationException)
        {
            // ILGPU installed its own resolver (it does under WSL); the load-context event runs after it fails.
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) => assembly == IlgpuAssembly ? Resolve(name) : 0;
            InstalledAs = "ResolvingUnmanagedDll";
        }
    }

    /// <summary>The files tried for an imported library name, most specific first; empty for names not ours to map.</summary>
    public static IReadOnlyList<string> CandidatesFor(string libraryName)
    {
        ArgumentNullException.ThrowIfNull(libraryName);
        var name = libraryName.ToLowerInvariant();
        return name switch
        {
            "cuda" or "nvcuda" or "libcuda" or "libcuda.so" or "libcuda.so.1" => Cuda,
            _ when name.StartsWith("libcublas", StringComparison.Ordinal) || name.StartsWith("cublas", StringComparison.Ordinal) => CuBlas,
            "nvml" or "nvidia-ml" or "nvidia-ml.so" or "libnvidia-ml.so" or "libnvidia-ml.so.1" => Nvml,
            _ => [],
        };
    }

    /// <summary>
    /// Loads the first of <see cref="CandidatesFor"/>(<paramref name="libraryName"/>) found in <paramref name="directories"/>
    /// or (when <paramref name="systemSearch"/>) on the system library path. <paramref name="tried"/> lists every attempt.
    /// </summary>
    public static bool TryLoad(string libraryName, IEnumerable<string> directories, bool systemSearch, out nint handle, out string? loadedFrom, ICollection<string> tried)
    {
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(tried);
        var searchDirectories = directories.ToArray();
        foreach (var candidate in CandidatesFor(libraryName))
        {
            foreach (var directory in searchDirectories)
            {
                var path = Path.Combine(directory, candidate);
                tried.Add(path);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out handle))
                {
                    loadedFrom = path;
                    return true;
                }
            }

            if (systemSearch)
            {
                tried.Add(candidate);
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    loadedFrom = candidate;
                    return true;
                }
            }
        }

        handle = 0;
        loadedFrom = null;
        return false;
    }

    /// <summary>Resolver body: 0 lets the runtime continue with its default probing.</summary>
    internal static nint Resolve(string libraryName) =>
        TryLoad(libraryName, [], systemSearch: true, out var handle, out _, new List<string>()) ? handle : 0;

    // ILGPU must see the resolver before its first P/Invoke, whichever host (agent, CLI, tests, benchmarks) touches ILGPU
    // first; installing it costs no library load.
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The resolver must precede any ILGPU P/Invoke from any host.")]
    internal static void InstallOnLoad() => Install();
}
