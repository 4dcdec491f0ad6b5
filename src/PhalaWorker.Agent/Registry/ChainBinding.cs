using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// The chain the node lives on, as settled by <see cref="RegistrationHeartbeat"/>: from configuration at start without a
/// chain, or once the registration reached the chain (which can be long after the agent started serving health when the
/// chain was down). Until then receipts cannot name their chain, so jobs wait for <see cref="WaitSettledAsync"/>.
/// </summary>
internal sealed class ChainBinding
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Enabled { get; set; }

    public ulong ChainId { get; set; }

    public EthAddress Registry { get; set; }

    /// <summary>The registration transaction, once mined (<see cref="Hash32.Zero"/> when the node was registered already).</summary>
    public Hash32? RegisterTransaction { get; private set; }

    /// <summary>True once <see cref="ChainId"/> and <see cref="Registry"/> are final: registered, or no chain configured.</summary>
    public bool IsSettled => _settled.Task.IsCompleted;

    /// <summary>Completes when <see cref="IsSettled"/> becomes true (continuations run asynchronously; the agent has no synchronization context).</summary>
    public Task WaitSettledAsync(CancellationToken cancellationToken) =>
#pragma warning disable VSTHRD003 // the task is this object's own TaskCompletionSource, completed by Settle
        _settled.Task.WaitAsync(cancellationToken);
#pragma warning restore VSTHRD003

    /// <summary>Marks the binding final; <paramref name="registerTransaction"/> is null without a chain.</summary>
    public void Settle(Hash32? registerTransaction)
    {
        RegisterTransaction = registerTransaction;
        _settled.TrySetResult();
    }
}
