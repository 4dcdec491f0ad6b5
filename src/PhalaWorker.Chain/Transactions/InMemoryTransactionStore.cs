using System.Collections.Concurrent;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>A journal that lives as long as the process (one-shot tools such as <c>registry deploy</c>).</summary>
public sealed class InMemoryTransactionStore : ITransactionStore
{
    private readonly ConcurrentDictionary<(ulong, EthAddress), TransactionJournal> _journals = new();

    public ValueTask<TransactionJournal?> LoadAsync(ulong chainId, EthAddress from, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_journals.TryGetValue((chainId, from), out var journal) ? journal : null);

    public ValueTask SaveAsync(TransactionJournal journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journals[(journal.ChainId, journal.From)] = journal;
        return ValueTask.CompletedTask;
    }
}
