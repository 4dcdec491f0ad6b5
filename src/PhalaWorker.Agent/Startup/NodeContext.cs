using PhalaWorker.Agent.Grpc;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Startup;

/// <summary>Holds the node's attestation once <see cref="AttestationBootstrapper"/> has produced it.</summary>
internal sealed class NodeContext : IDisposable
{
    private NodeAttestation? _current;

    public NodeAttestation? Current => Volatile.Read(ref _current);

    /// <summary>The attestation, or UNAVAILABLE while the node is still starting.</summary>
    public NodeAttestation Required
    {
        get
        {
            var current = Current;
            if (current is null)
            {
                RpcErrors.Unavailable(ReasonCodes.NotAttested, "the node has not finished attesting");
            }

            return current;
        }
    }

    public void Set(NodeAttestation attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (Interlocked.CompareExchange(ref _current, attestation, null) is not null)
        {
            throw new InvalidOperationException("the node is already attested");
        }
    }

    public void Dispose() => _current?.Dispose();
}
