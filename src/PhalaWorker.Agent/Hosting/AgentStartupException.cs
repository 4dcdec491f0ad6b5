namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// A startup failure the operator can fix, with the exit code that classifies it. Its message is one line:
/// what is wrong, then how to fix it.
/// </summary>
internal sealed class AgentStartupException(AgentExitCode reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public AgentExitCode Reason { get; } = reason;
}
