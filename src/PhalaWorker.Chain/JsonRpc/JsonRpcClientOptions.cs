namespace PhalaWorker.Chain.JsonRpc;

/// <summary>Timeouts, retries and answer bounds of <see cref="EthJsonRpcClient"/>.</summary>
public sealed record JsonRpcClientOptions
{
    /// <summary>
    /// Time allowed for one HTTP exchange, the body included. Nethereum's static <c>ClientBase.ConnectionTimeout</c>
    /// (20 s unless a host changes it) bounds every call too: a longer value here is capped by it.
    /// </summary>
    /// <value>Default 10 s.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a transient failure (connection refused, HTTP 5xx/429, timeout, rate limit -32005).</summary>
    /// <value>Default 3.</value>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Delay before the first retry; each later one doubles, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>Default 200 ms.</value>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between retries.</summary>
    /// <value>Default 5 s.</value>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest response body accepted; a larger one is a malformed answer (read no further).</summary>
    /// <value>Default 32 MiB.</value>
    public int MaxResponseBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>
    /// Most JSON tokens accepted in one answer, counted before Nethereum's Newtonsoft reader builds its tree (about
    /// 100 bytes of <c>JToken</c> per token: 32 MiB of <c>[0,0,…]</c> would hold 1.5 GiB); more is a malformed answer.
    /// Ten thousand logs, a provider's usual cap for eth_getLogs, are about 250,000 tokens.
    /// </summary>
    /// <value>Default 1,000,000 (at most about 100 MB of parsed answer).</value>
    public int MaxResponseTokens { get; init; } = 1_000_000;
}
