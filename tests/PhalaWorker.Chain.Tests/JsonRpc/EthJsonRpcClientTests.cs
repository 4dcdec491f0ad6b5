using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Testing;

namespace PhalaWorker.Chain.Tests.JsonRpc;

public sealed partial class EthJsonRpcClientTests
{
    private static readonly Uri s_endpoint = new("http://127.0.0.1:9/");

    private static readonly JsonRpcClientOptions s_fast = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(5),
        MaxRetries = 3,
        InitialRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
    };

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static (EthJsonRpcClient Client, FakeRpcHandler Handler, TestHttpClientFactory Factory) Create(
        Func<FakeRpcRequest, FakeRpcResponse> respond, JsonRpcClientOptions? options = null)
    {
        var handler = new FakeRpcHandler(r => Task.FromResult(respond(r)));
        var factory = new TestHttpClientFactory(handler);
        return (new EthJsonRpcClient(factory, s_endpoint, options ?? s_fast), handler, factory);
    }

    [Test]
    public async Task ChainIdAsync_HexQuantity_ParsesItAsync()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, "0x7a69"));
        using var _ = factory;

        Assert.That(await client.ChainIdAsync(Timeout()), Is.EqualTo(31337));
    }

    [Test]
    public void BlockNumberAsync_ResultIsANumberNotHex_ThrowsMalformedResponse()
    {
        var (client, handler, factory) = Create(r => FakeRpcHandler.Result(r.Id, 12));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(ex.IsTransient, Is.False);
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [TestCase("not json")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1}")]
    [TestCase("[]")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":\"0x1\"}")]
    public void RequestAsync_MalformedAnswer_ThrowsMalformedResponseWithoutRetry(string body)
    {
        var (client, handler, factory) = Create(_ => new FakeRpcResponse(body));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public void GetTransactionReceiptAsync_ReceiptMissingFields_ThrowsMalformedResponse()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, new JsonObject { ["transactionHash"] = Keccak256.HashUtf8("x").ToString() }));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.GetTransactionReceiptAsync(Keccak256.HashUtf8("x"), Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
    }

    [Test]
    public async Task GetTransactionReceiptAsync_NullResult_ReturnsNullAsync()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, null));
        using var _ = factory;

        Assert.That(await client.GetTransactionReceiptAsync(Keccak256.HashUtf8("x"), Timeout()), Is.Null);
    }

    [Test]
    public async Task RequestAsync_ServerErrorThenSuccess_RetriesTransientAsync()
    {
        var calls = 0;
        var (client, handler, factory) = Create(r => Interlocked.Increment(ref calls) < 3
            ? new FakeRpcResponse("busy", HttpStatusCode.ServiceUnavailable)
            : FakeRpcHandler.Result(r.Id, "0x10"));
        using var _ = factory;

        Assert.That(await client.BlockNumberAsync(Timeout()), Is.EqualTo(16));
        Assert.That(handler.Requests, Is.EqualTo(3));
    }

    [Test]
    public void RequestAsync_AlwaysServerError_GivesUpAfterMaxRetries()
    {
        var (client, handler, factory) = Create(_ => new FakeRpcResponse("down", HttpStatusCode.BadGateway));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.HttpStatus));
        Assert.That(ex.HttpStatus, Is.EqualTo(502));
        Assert.That(ex.IsTransient, Is.True);
        Assert.That(handler.Requests, Is.EqualTo(1 + s_fast.MaxRetries));
    }

    [Test]
    public void RequestAsync_BadRequest_IsNotRetried()
    {
        var (client, handler, factory) = Create(_ => new FakeRpcResponse("invalid api key", HttpStatusCode.Unauthorized));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.IsTransient, Is.False);
        Assert.That(ex.Message, Does.Contain("401").And.Contain("invalid api key"));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task RequestAsync_RateLimited_RetriesThenSucceedsAsync()
    {
        var calls = 0;
        var (client, _, factory) = Create(r => Interlocked.Increment(ref calls) == 1
            ? FakeRpcHandler.Error(r.Id, JsonRpcException.LimitExceededCode, "limit exceeded")
            : FakeRpcHandler.Result(r.Id, "0x1"));
        using var _ = factory;

        Assert.That(await client.BlockNumberAsync(Timeout()), Is.EqualTo(1));
        Assert.That(calls, Is.EqualTo(2));
    }

    [Test]
    public void CallAsync_RevertWithErrorString_DecodesReason()
    {
        var data = Hex.Encode([0x08, 0xc3, 0x79, 0xa0, .. new Nethereum.ABI.FunctionEncoding.ParametersEncoder().EncodeParameters([new Nethereum.ABI.Model.Parameter("string", 1)], ["not allowed"])]);
        var (client, handler, factory) = Create(r => FakeRpcHandler.Error(r.Id, 3, "execution reverted: not allowed", data));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.CallAsync(new CallRequest { To = default(EthAddress), Data = [1, 2, 3, 4] }, cancellationToken: Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.Reverted));
        Assert.That(ex.RevertReason, Is.EqualTo("not allowed"));
        Assert.That(ex.Code, Is.EqualTo(3));
        Assert.That(ex.IsTransient, Is.False);
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public void CallAsync_RevertWithCustomError_ExposesSelector()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Error(r.Id, 3, "execution reverted", "0xdeadbeef"));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.CallAsync(new CallRequest { Data = [1] }, cancellationToken: Timeout()));

        Assert.That(ex!.RevertSelector, Is.EqualTo(0xdeadbeef));
        Assert.That(ex.RevertReason, Is.EqualTo("custom error 0xdeadbeef"));
    }

    [Test]
    public void RequestAsync_SlowNode_TimesOutAndGivesUp()
    {
        var handler = new FakeRpcHandler(async r =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
            return FakeRpcHandler.Result(r.Id, "0x1");
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast with { RequestTimeout = TimeSpan.FromMilliseconds(100), MaxRetries = 1 });

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.Timeout));
        Assert.That(ex.IsTransient, Is.True);
        Assert.That(handler.Requests, Is.EqualTo(2));
    }

    [Test]
    public void RequestAsync_NodeDown_ThrowsTransientTransportError()
    {
        // A port nobody listens on: bind, read the port, close.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var factory = new TestHttpClientFactory();
        var client = new EthJsonRpcClient(factory, new Uri($"http://127.0.0.1:{port}/"), s_fast);

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.Transport));
        Assert.That(ex.IsTransient, Is.True);
        Assert.That(ex.Message, Does.Contain($"127.0.0.1:{port}"));
    }

    [Test]
    public void RequestAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var handler = new FakeRpcHandler(async r =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
            return FakeRpcHandler.Result(r.Id, "0x1");
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.That(() => client.BlockNumberAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task BatchAsync_AnswersOutOfOrder_MatchesByIdAsync()
    {
        var handler = new FakeRpcHandler(r =>
        {
            var answers = new JsonArray();
            foreach (var call in r.Batch!.Reverse())
            {
                var method = (string)call!["method"]!;
                answers.Add(JsonNode.Parse(method == "eth_chainId"
                    ? FakeRpcHandler.Result(call["id"], "0x1").Body
                    : FakeRpcHandler.Error(call["id"], -32601, "method not found").Body));
            }

            return Task.FromResult(new FakeRpcResponse(answers.ToJsonString()));
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);

        var results = await client.BatchAsync([new JsonRpcCall("eth_chainId", []), new JsonRpcCall("eth_nope", []), new JsonRpcCall("eth_chainId", [])], Timeout());

        Assert.That(results, Has.Count.EqualTo(3));
        Assert.That(results[0].GetResultOrThrow().GetString(), Is.EqualTo("0x1"));
        Assert.That(results[1].Error!.Code, Is.EqualTo(-32601));
        Assert.That(results[2].Error, Is.Null);
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task FeeHistoryAsync_TypicalAnswer_ParsesAsync()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, JsonNode.Parse("""
            {"oldestBlock":"0x10","baseFeePerGas":["0x3b9aca00","0x3b9aca01"],"gasUsedRatio":[0.5],"reward":[["0x59682f00"]]}
            """)));
        using var _ = factory;

        var history = await client.FeeHistoryAsync(1, BlockTag.Latest, [50], Timeout());

        Assert.That(history.OldestBlock, Is.EqualTo(16));
        Assert.That(history.BaseFeePerGas[1], Is.EqualTo(new System.Numerics.BigInteger(1_000_000_001)));
        Assert.That(history.Reward![0][0], Is.EqualTo(new System.Numerics.BigInteger(1_500_000_000)));
    }
}
