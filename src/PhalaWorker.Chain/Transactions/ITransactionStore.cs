using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>
/// Durable journal of a <see cref="TransactionSender"/>. <see cref="SaveAsync"/> must be atomic and durable when it
/// returns: the sender saves before every broadcast and relies on finding that state after a crash.
/// </summary>
public interface ITransactionStore
{
    /// <summary>The journal of <paramref name="from"/> on <paramref name="chainId"/>, or null when there is none.</summary>
    ValueTask<TransactionJournal?> LoadAsync(ulong chainId, EthAddress from, CancellationToken cancellationToken);

    /// <summary>Replaces the journal of (<see cref="TransactionJournal.ChainId"/>, <see cref="TransactionJournal.From"/>).</summary>
    ValueTask SaveAsync(TransactionJournal journal, CancellationToken cancellationToken);
}
