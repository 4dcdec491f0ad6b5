using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Transactions;

/// <summary>Creates the <see cref="TransactionSender"/> of a key from the configured chain (one sender per key).</summary>
public sealed class TransactionSenderFactory(
    EthJsonRpcClient rpc,
    ITransactionStore store,
    IOptions<ChainOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null)
{
    public TransactionSender Create(EthSigner signer) =>
        new(rpc, signer, store, options.Value.ToSenderOptions(), timeProvider, loggerFactory?.CreateLogger<TransactionSender>());
}
