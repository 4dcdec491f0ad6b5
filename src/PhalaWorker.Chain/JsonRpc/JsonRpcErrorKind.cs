namespace PhalaWorker.Chain.JsonRpc;

/// <summary>Where a JSON-RPC call failed.</summary>
public enum JsonRpcErrorKind
{
    /// <summary>The node could not be reached (connection refused or reset, DNS).</summary>
    Transport,

    /// <summary>The node did not answer within the request timeout.</summary>
    Timeout,

    /// <summary>The node answered with an HTTP error status.</summary>
    HttpStatus,

    /// <summary>The answer is not a valid JSON-RPC response or its result has the wrong shape.</summary>
    MalformedResponse,

    /// <summary>The node returned a JSON-RPC error object (see <see cref="JsonRpcException.Code"/>).</summary>
    RpcError,

    /// <summary>Execution reverted (eth_call / eth_estimateGas); see <see cref="JsonRpcException.RevertReason"/>.</summary>
    Reverted,
}
