using Microsoft.Extensions.Options;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>Binds <see cref="NodeRegistryClient"/> to the configured registry.</summary>
public sealed class NodeRegistryClientFactory(EthJsonRpcClient rpc, IOptions<ChainOptions> options)
{
    /// <summary>A client for <see cref="ChainOptions.RegistryAddress"/>; read-only without <paramref name="sender"/>.</summary>
    public NodeRegistryClient Create(TransactionSender? sender = null)
    {
        var value = options.Value;
        var address = value.RegistryAddress is { } text
            ? EthAddress.Parse(text)
            : throw new InvalidOperationException("Chain:RegistryAddress is not configured.");
        return new NodeRegistryClient(rpc, address, value.ChainId, sender);
    }
}
