namespace PhalaWorker.Compute.Backends;

/// <summary>Resolves backends by name ("cpu", "ilgpu-cpu", "cuda") over the <see cref="IComputeBackendProvider"/>s in this assembly.</summary>
public static class ComputeBackendRegistry
{
    private static readonly Lazy<IReadOnlyList<IComputeBackendProvider>> Providers = new(() =>
        typeof(ComputeBackendRegistry).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(IComputeBackendProvider).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IComputeBackendProvider)Activator.CreateInstance(t, nonPublic: true)!)
            .ToArray());

    /// <summary>Every backend name some provider serves.</summary>
    public static IReadOnlyList<string> Names =>
        Providers.Value.SelectMany(p => p.Names).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>Whether a backend of that name exists and can run here.</summary>
    public static bool IsAvailable(string name, out string reason)
    {
        var provider = Find(name);
        if (provider is null)
        {
            reason = $"backend '{name}' is not available (known: {string.Join(", ", Names)})";
            return false;
        }

        return provider.IsAvailable(name, out reason);
    }

    /// <summary>Creates the backend named <paramref name="name"/>; <see cref="ComputeException"/> (BackendUnavailable) when it cannot.</summary>
    public static IComputeBackend Create(string name, ComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        var provider = Find(name) ?? throw new ComputeException(ComputeErrorReason.BackendUnavailable,
            $"backend '{name}' is not available (known: {string.Join(", ", Names)})");
        if (!provider.IsAvailable(name, out var reason))
        {
            throw new ComputeException(ComputeErrorReason.BackendUnavailable, $"backend '{name}' is not available: {reason}");
        }

        return provider.Create(name, options);
    }

    private static IComputeBackendProvider? Find(string name) =>
        Providers.Value.FirstOrDefault(p => p.Names.Contains(name, StringComparer.OrdinalIgnoreCase));
}
