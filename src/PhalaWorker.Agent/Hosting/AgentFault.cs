namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// A failure after the host started that no retry can fix (the registry refused the node, the RPC serves another chain than
/// <c>Chain:ChainId</c>): it stops the host, and <see cref="AgentServiceCollectionExtensions.RunAgentAsync"/> rethrows it once
/// the host has stopped, so that <see cref="AgentHost"/> prints its one line and exits with its code. A background service
/// throwing instead would stop the host with exit code 0 and a stack trace in the log.
/// </summary>
internal sealed class AgentFault(IHostApplicationLifetime lifetime)
{
    private AgentStartupException? _fault;

    /// <summary>The first failure recorded, or null.</summary>
    public AgentStartupException? Current => Volatile.Read(ref _fault);

    /// <summary>Records <paramref name="fault"/> (the first one wins) and stops the host.</summary>
    public void Fail(AgentStartupException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        Interlocked.CompareExchange(ref _fault, fault, null);
        lifetime.StopApplication();
    }

    /// <summary>Throws the recorded failure, if any.</summary>
    public void ThrowIfFailed()
    {
        if (Current is { } fault)
        {
            throw fault;
        }
    }
}
