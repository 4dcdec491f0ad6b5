namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>The registry refused a call: <see cref="Error"/> names the custom error, <see cref="Arguments"/> its decoded arguments.</summary>
public sealed class NodeRegistryException : ChainException
{
    public NodeRegistryException(NodeRegistryError error, IReadOnlyList<object?> arguments, string message, Exception? innerException = null)
        : base(ChainErrorReason.TransactionFailed, message, innerException)
    {
        Error = error;
        Arguments = arguments;
    }

    public NodeRegistryError Error { get; }

    public IReadOnlyList<object?> Arguments { get; }
}
