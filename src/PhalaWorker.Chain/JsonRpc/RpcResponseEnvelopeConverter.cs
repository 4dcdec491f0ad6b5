using Nethereum.JsonRpc.Client.RpcMessages;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Reads a JSON-RPC answer object strictly: an object with an <c>id</c> and a <c>result</c> (JSON null kept as a null
/// token, so "no result member" and "null result" differ) or an <c>error</c> with an integer code and a string message.
/// Integer ids are read as <see cref="long"/>, as <see cref="EthJsonRpcClient"/> sends them.
/// </summary>
internal sealed class RpcResponseEnvelopeConverter : JsonConverter<RpcResponseMessage>
{
    public static RpcResponseEnvelopeConverter Instance { get; } = new();

    public override bool CanWrite => false;

    public override RpcResponseMessage? ReadJson(JsonReader reader, Type objectType, RpcResponseMessage? existingValue, bool hasExistingValue, JsonSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.TokenType != JsonToken.StartObject)
        {
            throw new JsonSerializationException($"Expected a JSON-RPC response object, got {reader.TokenType}.");
        }

        var envelope = JObject.Load(reader);
        object? id = envelope["id"] switch
        {
            JValue { Type: JTokenType.Integer } value => value.Value is long l ? l : null,
            JValue { Type: JTokenType.String } value => (string?)value,
            _ => null,
        };
        if (envelope["error"] is { Type: not JTokenType.Null } errorToken)
        {
            if (errorToken is not JObject error
                || error["code"] is not JValue { Type: JTokenType.Integer, Value: long code }
                || code is < int.MinValue or > int.MaxValue
                || error["message"] is not JValue { Type: JTokenType.String } message)
            {
                throw new JsonSerializationException("The error member is not a JSON-RPC error object.");
            }

            return new RpcResponseMessage(id, new RpcError { Code = (int)code, Message = (string)message!, Data = error["data"] });
        }

        var result = envelope["result"] ?? throw new JsonSerializationException("The response has neither result nor error.");
        return new RpcResponseMessage(id, (object)result);
    }

    public override void WriteJson(JsonWriter writer, RpcResponseMessage? value, JsonSerializer serializer) =>
        throw new NotSupportedException("Responses are only read.");
}
