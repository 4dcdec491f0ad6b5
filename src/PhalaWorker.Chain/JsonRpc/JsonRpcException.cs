namespace PhalaWorker.Chain.JsonRpc;

/// <summary>A failed JSON-RPC call: transport, timeout, HTTP status, malformed answer, error object or revert.</summary>
public sealed class JsonRpcException : ChainException
{
    /// <summary>JSON-RPC code of "execution reverted" (geth, anvil).</summary>
    public const int ExecutionRevertedCode = 3;

    /// <summary>JSON-RPC code of "limit exceeded" (rate limiting).</summary>
    public const int LimitExceededCode = -32005;

    public JsonRpcException(
        JsonRpcErrorKind kind,
        string method,
        string message,
        int? code = null,
        string? data = null,
        int? httpStatus = null,
        Exception? innerException = null)
        : base(ChainErrorReason.Rpc, $"{method}: {message}", innerException)
    {
        Kind = kind;
        Method = method;
        RpcMessage = message;
        Code = code;
        ErrorData = data;
        HttpStatus = httpStatus;
        RevertData = RevertDecoder.TryGetRevertData(data);
        RevertReason = RevertData is null ? null : RevertDecoder.Describe(RevertData);
    }

    public JsonRpcErrorKind Kind { get; }

    /// <summary>The JSON-RPC method that failed.</summary>
    public string Method { get; }

    /// <summary>The node's message (or ours, for transport and format failures).</summary>
    public string RpcMessage { get; }

    /// <summary>The JSON-RPC error code, when the node returned an error object.</summary>
    public int? Code { get; }

    /// <summary>The error object's <c>data</c> as raw JSON text or string.</summary>
    public string? ErrorData { get; }

    public int? HttpStatus { get; }

    /// <summary>ABI-encoded revert data (selector + arguments) when the node returned it.</summary>
    public byte[]? RevertData { get; }

    /// <summary>
    /// Decoded revert: the message of <c>Error(string)</c>, <c>Panic(0x..)</c>, or <c>custom error 0x12345678</c>
    /// (contract bindings decode their own custom errors from <see cref="RevertData"/>).
    /// </summary>
    public string? RevertReason { get; }

    /// <summary>The 4-byte selector of the revert data, if any.</summary>
    public uint? RevertSelector => RevertData is { Length: >= 4 } d ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d) : null;

    /// <summary>
    /// At most <paramref name="maxLength"/> characters of <paramref name="message"/>: parsers quote the offending input
    /// (Newtonsoft a whole over-long number) and nodes write what they like, and a hostile node must not grow our
    /// messages and logs.
    /// </summary>
    internal static string Excerpt(string message, int maxLength = 200) =>
        message.Length <= maxLength ? message : string.Concat(message.AsSpan(0, maxLength), "…");

    public override bool IsTransient => Kind switch
    {
        JsonRpcErrorKind.Transport or JsonRpcErrorKind.Timeout => true,
        JsonRpcErrorKind.HttpStatus => HttpStatus is >= 500 or 429,
        JsonRpcErrorKind.RpcError => Code == LimitExceededCode,
        _ => false,
    };
}
