using System.Text.Json;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>One call of a JSON-RPC batch (<see cref="EthJsonRpcClient.BatchAsync"/>).</summary>
public sealed record JsonRpcCall(string Method, IReadOnlyList<JsonElement> Params);
