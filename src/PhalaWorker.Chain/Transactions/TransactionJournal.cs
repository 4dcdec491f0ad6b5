using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>The durable state of one sender (one key on one chain): the next nonce and the recent transactions.</summary>
public sealed record TransactionJournal(ulong ChainId, EthAddress From, ulong NextNonce, IReadOnlyList<StoredTransaction> Transactions);
