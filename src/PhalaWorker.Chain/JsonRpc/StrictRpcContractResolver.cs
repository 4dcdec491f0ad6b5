using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client.RpcMessages;
using Newtonsoft.Json.Serialization;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Newtonsoft contracts of the JSON-RPC exchange with our converters in place of Nethereum's lenient ones (a contract's
/// converter beats the type's <c>[JsonConverter]</c> attribute): <see cref="HexBigInteger"/> through
/// <see cref="StrictHexBigIntegerConverter"/> and the answer envelope through <see cref="RpcResponseEnvelopeConverter"/>.
/// </summary>
internal sealed class StrictRpcContractResolver : DefaultContractResolver
{
    /// <summary>One instance, so its contract cache is shared (it is thread-safe).</summary>
    public static StrictRpcContractResolver Instance { get; } = new();

    protected override JsonContract CreateContract(Type objectType)
    {
        var contract = base.CreateContract(objectType);
        if (objectType == typeof(HexBigInteger))
        {
            contract.Converter = StrictHexBigIntegerConverter.Instance;
        }
        else if (objectType == typeof(RpcResponseMessage))
        {
            contract.Converter = RpcResponseEnvelopeConverter.Instance;
        }

        return contract;
    }
}
