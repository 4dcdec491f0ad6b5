namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// The JSON-RPC call in flight on this async flow: its method (for error messages) and the caller's cancellation.
/// Nethereum's <c>IClient</c> takes no <see cref="CancellationToken"/>, so <see cref="EthJsonRpcClient"/> sets this
/// around each call and <see cref="JsonRpcHttpHandler"/> and <see cref="GuardedRpcClient"/>, which run inside it, read it.
/// </summary>
internal sealed class JsonRpcCallContext
{
    private static readonly AsyncLocal<JsonRpcCallContext?> s_current = new();

    private JsonRpcCallContext(string method, CancellationToken cancellationToken)
    {
        Method = method;
        CancellationToken = cancellationToken;
    }

    /// <summary>The call of this flow; outside one (Nethereum used directly), an anonymous call that cannot be cancelled.</summary>
    public static JsonRpcCallContext Current => s_current.Value ?? new JsonRpcCallContext("json-rpc", CancellationToken.None);

    public string Method { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Makes a call current until the returned scope is disposed (the value flows into awaited callees only).</summary>
    public static Scope Enter(string method, CancellationToken cancellationToken)
    {
        var previous = s_current.Value;
        s_current.Value = new JsonRpcCallContext(method, cancellationToken);
        return new Scope(previous);
    }

    public readonly struct Scope(JsonRpcCallContext? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
