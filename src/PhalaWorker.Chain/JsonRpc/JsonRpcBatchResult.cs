using System.Text.Json;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>The outcome of one call of a batch: its raw result, or the error of that call alone.</summary>
public sealed record JsonRpcBatchResult(JsonElement Result, JsonRpcException? Error)
{
    /// <summary>The result, or throws the call's error.</summary>
    public JsonElement GetResultOrThrow() => Error is null ? Result : throw Error;
}
