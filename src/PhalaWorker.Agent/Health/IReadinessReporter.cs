namespace PhalaWorker.Agent.Health;

/// <summary>
/// How the parts that own a readiness input report it (the heartbeat for <see cref="ReadinessInput.ChainReachable"/>,
/// the GPU attestation for <see cref="ReadinessInput.GpuGate"/>). An input nobody reported falls back to what the agent
/// can see itself (see <see cref="ReadinessHealthCheck"/>).
/// </summary>
internal interface IReadinessReporter
{
    void Report(ReadinessInput input, bool ready, string detail);

    bool TryGet(ReadinessInput input, out bool ready, out string detail);
}
