using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Source-generated JSON for JSON-RPC: no reflection, trimming-safe. Quantities are hex strings, so the converters
/// turn every <see cref="ulong"/> and <see cref="BigInteger"/> into "0x..", and required constructor parameters
/// and nullable annotations are enforced: a malformed answer fails to deserialize instead of yielding zeros.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UseStringEnumConverter = true,
    Converters = [
        typeof(HexUInt64JsonConverter),
        typeof(HexBigIntegerJsonConverter),
        typeof(HexBytesJsonConverter),
        typeof(RpcHash32JsonConverter),
        typeof(RpcEthAddressJsonConverter)])]
[JsonSerializable(typeof(JsonRpcRequest))]
[JsonSerializable(typeof(JsonRpcRequest[]))]
[JsonSerializable(typeof(JsonRpcResponse))]
[JsonSerializable(typeof(JsonRpcResponse[]))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(BigInteger))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(PhalaWorker.Chain.Primitives.Hash32))]
[JsonSerializable(typeof(CallRequest))]
[JsonSerializable(typeof(RpcLogFilter))]
[JsonSerializable(typeof(TransactionReceipt))]
[JsonSerializable(typeof(TransactionInfo))]
[JsonSerializable(typeof(BlockHeader))]
[JsonSerializable(typeof(FeeHistory))]
[JsonSerializable(typeof(LogEntry[]))]
[JsonSerializable(typeof(PhalaWorker.Chain.Transactions.TransactionJournal))]
internal sealed partial class ChainJsonContext : JsonSerializerContext;
