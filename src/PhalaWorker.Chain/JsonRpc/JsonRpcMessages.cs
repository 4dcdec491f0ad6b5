using System.Text.Json;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>A JSON-RPC 2.0 request on the wire.</summary>
internal sealed record JsonRpcRequest(string Jsonrpc, long Id, string Method, IReadOnlyList<JsonElement> Params);

/// <summary>A JSON-RPC 2.0 response on the wire; <see cref="Result"/> is Undefined when absent and Null for JSON null.</summary>
internal sealed record JsonRpcResponse(JsonElement Id, JsonElement Result = default, JsonRpcErrorObject? Error = null);

/// <summary>A JSON-RPC error object.</summary>
internal sealed record JsonRpcErrorObject(int Code, string Message, JsonElement Data = default);

/// <summary>The filter of eth_getLogs on the wire.</summary>
internal sealed record RpcLogFilter(string FromBlock, string ToBlock, EthAddress? Address, IReadOnlyList<Hash32?>? Topics);
