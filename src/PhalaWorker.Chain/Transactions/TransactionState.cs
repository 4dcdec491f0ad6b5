namespace PhalaWorker.Chain.Transactions;

/// <summary>Where a journaled transaction stands.</summary>
public enum TransactionState
{
    /// <summary>Signed and recorded; broadcast (or to be re-broadcast) and awaited.</summary>
    Pending,

    /// <summary>Mined with status 1 and confirmed.</summary>
    Confirmed,

    /// <summary>Mined with status 0 (reverted) and confirmed.</summary>
    Reverted,

    /// <summary>Refused by the node for good (e.g. insufficient funds); its nonce was released.</summary>
    Dropped,
}
