using Microsoft.Extensions.Logging;

namespace PhalaWorker.Chain;

/// <summary>Log messages of JSON-RPC, transactions and contracts (event ids 3500-3699).</summary>
internal static partial class ChainLog
{
    // One line per retry while the node is down; the stack trace (always the same few frames) only at Debug.
    [LoggerMessage(3500, LogLevel.Warning, "JSON-RPC {Method} failed transiently ({Kind}: {Reason}; attempt {Attempt}); retrying in {Delay}")]
    public static partial void RpcRetry(ILogger logger, string method, JsonRpc.JsonRpcErrorKind kind, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(3501, LogLevel.Debug, "JSON-RPC {Method} transient failure in detail")]
    public static partial void RpcRetryDetail(ILogger logger, string method, Exception exception);

    [LoggerMessage(3600, LogLevel.Information, "Sending transaction {Hash} nonce {Nonce} from {From} (maxFee {MaxFee}, tip {Tip})")]
    public static partial void TxSending(ILogger logger, string hash, ulong nonce, string from, System.Numerics.BigInteger maxFee, System.Numerics.BigInteger tip);

    [LoggerMessage(3601, LogLevel.Warning, "Transaction nonce {Nonce} from {From} is stuck; replacing {OldHash} with {NewHash} (maxFee {MaxFee}, tip {Tip})")]
    public static partial void TxReplacing(ILogger logger, ulong nonce, string from, string oldHash, string newHash, System.Numerics.BigInteger maxFee, System.Numerics.BigInteger tip);

    [LoggerMessage(3602, LogLevel.Information, "Transaction {Hash} nonce {Nonce} confirmed in block {Block} (status {Status})")]
    public static partial void TxConfirmed(ILogger logger, string hash, ulong nonce, ulong block, ulong status);

    [LoggerMessage(3603, LogLevel.Warning, "Receipt of transaction {Hash} disappeared (reorg); re-broadcasting")]
    public static partial void TxReorged(ILogger logger, string hash);

    [LoggerMessage(3604, LogLevel.Warning, "Nonce of {From}: chain pending count {ChainNonce} differs from the stored {StoredNonce}; resynchronizing")]
    public static partial void NonceResync(ILogger logger, string from, ulong chainNonce, ulong storedNonce);

    [LoggerMessage(3605, LogLevel.Information, "Resuming {Count} pending transaction(s) of {From} from the store")]
    public static partial void TxResuming(ILogger logger, int count, string from);

    [LoggerMessage(3606, LogLevel.Warning, "Broadcast of {Hash} failed: {Message}")]
    public static partial void TxBroadcastFailed(ILogger logger, string hash, string message);
}
