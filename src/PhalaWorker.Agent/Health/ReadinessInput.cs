namespace PhalaWorker.Agent.Health;

/// <summary>The conditions a node must meet before it is ready to take jobs; each is one check in <c>/healthz/ready</c>.</summary>
internal enum ReadinessInput
{
    /// <summary>The node holds a quote binding its keys.</summary>
    Attested,

    /// <summary>With a chain configured, the node's registration transaction is confirmed.</summary>
    Registered,

    /// <summary>With a chain configured, the last call to the chain succeeded.</summary>
    ChainReachable,

    /// <summary>With GPU evidence configured, the GPU passed its attestation gate.</summary>
    GpuGate,
}
