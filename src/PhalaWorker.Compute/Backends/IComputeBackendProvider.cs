namespace PhalaWorker.Compute.Backends;

/// <summary>
/// Creates backends by name. Implementations in this assembly with a public or internal parameterless constructor are
/// discovered by <see cref="ComputeBackendRegistry"/>; adding a backend means adding a provider class, never editing a list.
/// </summary>
public interface IComputeBackendProvider
{
    /// <summary>Names this provider serves (e.g. "ilgpu-cpu", "cuda").</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Whether <paramref name="name"/> can run on this machine; <paramref name="reason"/> says why not.</summary>
    bool IsAvailable(string name, out string reason);

    /// <summary>Creates the backend (the caller disposes it).</summary>
    IComputeBackend Create(string name, ComputeOptions options);
}
