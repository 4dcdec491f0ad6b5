using System.Numerics;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Source-generated JSON (no reflection, trimming-safe) of the transaction journal and of the batch parameters and
/// results (<see cref="EthJsonRpcClient.Param(CallRequest)"/>, <see cref="EthJsonRpcClient.ConvertResult"/>); single
/// JSON-RPC calls go through Nethereum. Quantities are hex strings, so the converters turn every <see cref="ulong"/>
/// and <see cref="BigInteger"/> into "0x..", and required constructor parameters and nullable annotations are
/// enforced: malformed input fails to deserialize instead of yielding zeros.
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
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(BigInteger))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(CallRequest))]
[JsonSerializable(typeof(PhalaWorker.Chain.Transactions.TransactionJournal))]
internal sealed partial class ChainJsonContext : JsonSerializerContext;
