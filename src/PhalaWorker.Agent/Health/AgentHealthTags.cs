namespace PhalaWorker.Agent.Health;

/// <summary>Health-check tags: <c>/healthz/live</c> runs the live checks, <c>/healthz/ready</c> and gRPC health the ready ones.</summary>
internal static class AgentHealthTags
{
    public const string Live = "live";

    public const string Ready = "ready";
}
