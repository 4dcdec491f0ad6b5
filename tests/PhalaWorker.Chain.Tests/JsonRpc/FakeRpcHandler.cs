using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace PhalaWorker.Chain.Tests.JsonRpc;

/// <summary>
/// A JSON-RPC node faked at the HTTP edge: each request body is parsed and handed to <see cref="Respond"/>, whose
/// answer is the raw response (body and status). Single requests only unless the handler answers batches itself.
/// </summary>
internal sealed class FakeRpcHandler(Func<FakeRpcRequest, Task<FakeRpcResponse>> respond) : HttpMessageHandler
{
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public Func<FakeRpcRequest, Task<FakeRpcResponse>> Respond { get; } = respond;

    public static FakeRpcResponse Result(JsonNode? id, JsonNode? result) =>
        new(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = result?.DeepClone() }.ToJsonString());

    public static FakeRpcResponse Error(JsonNode? id, int code, string message, string? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        return new(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = error }.ToJsonString());
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        var node = JsonNode.Parse(body)!;
        var parsed = node is JsonArray batch
            ? new FakeRpcRequest(null, null, null, batch)
            : new FakeRpcRequest(node["id"], (string)node["method"]!, node["params"] as JsonArray, null);
        var response = await Respond(parsed).WaitAsync(cancellationToken);
        return new HttpResponseMessage(response.Status) { Content = new StringContent(response.Body, Encoding.UTF8, "application/json") };
    }
}

internal sealed record FakeRpcRequest(JsonNode? Id, string? Method, JsonArray? Params, JsonArray? Batch);

internal sealed record FakeRpcResponse(string Body, HttpStatusCode Status = HttpStatusCode.OK);
