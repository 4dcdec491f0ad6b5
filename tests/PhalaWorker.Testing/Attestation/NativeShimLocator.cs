namespace PhalaWorker.Testing.Attestation;

/// <summary>Finds the native TEE shim built by <c>native/build.sh</c>, so tests can skip with a reason when it is absent.</summary>
public static class NativeShimLocator
{
    /// <summary>The library file name.</summary>
    public const string LibraryFileName = "libphala_tee.so";

    /// <summary>The first <c>native/build/libphala_tee.so</c> above the test directory, or null.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("PHALA_TEE_LIBRARY") is { Length: > 0 } explicitPath && File.Exists(explicitPath))
        {
            return explicitPath;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "native", "build", LibraryFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why the shim tests are skipped, for <c>Assert.Ignore</c>.</summary>
    public const string SkipReason = "native shim libphala_tee.so is not built (run native/build.sh)";
}
