using System.Runtime.ExceptionServices;
using Nethereum.JsonRpc.Client;
using Nethereum.JsonRpc.Client.RpcMessages;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Nethereum's <see cref="RpcClient"/> (request serialization, the HTTP post, Newtonsoft parsing, DTO decoding) with the
/// checks it does not make: the answer's id must be the request's, an error object becomes a classified
/// <see cref="JsonRpcException"/> (revert data kept raw), a result of the wrong shape is
/// <see cref="JsonRpcErrorKind.MalformedResponse"/> (quantities strictly 0x-hex, see <see cref="StrictRpcContractResolver"/>),
/// and Nethereum's exceptions are mapped to <see cref="JsonRpcErrorKind"/>. Without logger: Nethereum would log bodies.
/// </summary>
internal sealed class GuardedRpcClient : RpcClient
{
    /// <summary>The settings of every request and answer: strict quantities and envelopes, no date parsing, depth 64.</summary>
    public static readonly JsonSerializerSettings SerializerSettings = new()
    {
        ContractResolver = StrictRpcContractResolver.Instance,
        NullValueHandling = NullValueHandling.Ignore,
        MissingMemberHandling = MissingMemberHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
        FloatParseHandling = FloatParseHandling.Decimal,
        MaxDepth = JsonRpcHttpHandler.MaxDepth,
    };

    private static readonly JsonSerializer s_serializer = JsonSerializer.Create(SerializerSettings);

    public GuardedRpcClient(Uri endpoint, HttpClient httpClient)
        : base(endpoint, httpClient, authHeaderValue: null, SerializerSettings, log: null)
    {
    }

    public override async Task<RpcResponseMessage> SendAsync(RpcRequestMessage request, string? route = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        RpcResponseMessage response;
        try
        {
            response = await base.SendAsync(request, route).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcClientTimeoutException or RpcClientUnknownException)
        {
            throw Classify(request.Method, ex);
        }

        return Check(request.Method, request, response);
    }

    /// <summary>Sends a batch; answers are checked per call by the caller (<see cref="Check"/>).</summary>
    public async Task<RpcResponseMessage[]> SendBatchAsync(RpcRequestMessage[] requests)
    {
        try
        {
            return await SendAsync(requests).ConfigureAwait(false)
                ?? throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, "batch", "the batch answer is null");
        }
        catch (Exception ex) when (ex is RpcClientTimeoutException or RpcClientUnknownException)
        {
            throw Classify("batch", ex);
        }
    }

    /// <summary>The answer to <paramref name="request"/>, or the error it carries, or a malformed-answer error.</summary>
    public static RpcResponseMessage Check(string method, RpcRequestMessage request, RpcResponseMessage? response)
    {
        if (response is null)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the answer is not a JSON-RPC response");
        }

        if (response.Error is { } error)
        {
            throw FromErrorObject(method, error);
        }

        if (!Equals(response.Id, request.Id))
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the response id does not match the request");
        }

        return response;
    }

    /// <summary>Decodes a result with the strict settings; any shape error is <see cref="JsonRpcErrorKind.MalformedResponse"/>.</summary>
    public override T DecodeResult<T>(RpcResponseMessage rpcResponseMessage)
    {
        ArgumentNullException.ThrowIfNull(rpcResponseMessage);
        var method = JsonRpcCallContext.Current.Method;
        if (rpcResponseMessage.Result is not JToken token)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the response has no result");
        }

        try
        {
            return token.ToObject<T>(s_serializer)!;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "malformed result: " + JsonRpcException.Excerpt(ex.Message), innerException: ex);
        }
    }

    private static Exception Classify(string method, Exception ex)
    {
        var call = JsonRpcCallContext.Current;
        if (ex.InnerException is JsonRpcException ours)
        {
            // Thrown by JsonRpcHttpHandler under Nethereum's catch-all: rethrow as it was.
            ExceptionDispatchInfo.Throw(ours);
        }

        if (ex is RpcClientTimeoutException)
        {
            if (call.CancellationToken.IsCancellationRequested)
            {
                return new OperationCanceledException("The JSON-RPC call was cancelled.", ex, call.CancellationToken);
            }

            // Nethereum's own cap (the static ClientBase.ConnectionTimeout), when it is shorter than ours.
            return new JsonRpcException(JsonRpcErrorKind.Timeout, method, "no answer within Nethereum's connection timeout of " + ClientBase.ConnectionTimeout, innerException: ex);
        }

        return ex.InnerException switch
        {
            JsonException json => new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the answer is not a JSON-RPC response: " + JsonRpcException.Excerpt(json.Message), innerException: ex),
            HttpRequestException http => new JsonRpcException(JsonRpcErrorKind.Transport, method, JsonRpcException.Excerpt(http.Message), innerException: ex),
            IOException io => new JsonRpcException(JsonRpcErrorKind.Transport, method, JsonRpcException.Excerpt(io.Message), innerException: ex),
            OperationCanceledException when call.CancellationToken.IsCancellationRequested => new OperationCanceledException("The JSON-RPC call was cancelled.", ex, call.CancellationToken),
            _ => new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, JsonRpcException.Excerpt((ex.InnerException ?? ex).Message), innerException: ex),
        };
    }

    private static JsonRpcException FromErrorObject(string method, Nethereum.JsonRpc.Client.RpcMessages.RpcError error)
    {
        string? data = error.Data switch
        {
            null => null,
            JValue { Type: JTokenType.Null } => null,
            JValue { Type: JTokenType.String } value => (string?)value,
            // Some nodes nest the revert data: {"data": {"data": "0x..."}} or {"data": {"message":..., "data": "0x.."}}.
            JObject obj when obj["data"] is JValue { Type: JTokenType.String } inner => (string?)inner,
            JToken token => token.ToString(Formatting.None),
            var other => other.ToString(),
        };
        var message = JsonRpcException.Excerpt(error.Message ?? string.Empty, 1000);
        var reverted = error.Code == JsonRpcException.ExecutionRevertedCode
            || message.StartsWith("execution reverted", StringComparison.OrdinalIgnoreCase);
        return new JsonRpcException(reverted ? JsonRpcErrorKind.Reverted : JsonRpcErrorKind.RpcError, method, message, error.Code, data);
    }
}
