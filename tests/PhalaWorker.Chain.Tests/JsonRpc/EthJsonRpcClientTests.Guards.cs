using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Testing;

namespace PhalaWorker.Chain.Tests.JsonRpc;

/// <summary>The guards around Nethereum's RpcClient: what a hostile or broken endpoint gets from us.</summary>
public sealed partial class EthJsonRpcClientTests
{
    private const int SmallBound = 1024 * 1024;

    [TestCase(false, TestName = "RequestAsync_EndlessChunkedBody_StopsAtTheSizeBound")]
    [TestCase(true, TestName = "RequestAsync_HugeContentLength_RefusedBeforeReading")]
    public async Task RequestAsync_HugeBody_ThrowsMalformedAndReadsBoundedAsync(bool announceLength)
    {
        await using var server = new HugeBodyServer(announceLength);
        using var factory = new TestHttpClientFactory();
        var client = new EthJsonRpcClient(factory, server.Url, s_fast with { MaxResponseBytes = SmallBound });

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));
        await server.WhenIdleAsync(TimeSpan.FromSeconds(20));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(ex.Message, Does.Contain($"larger than {SmallBound} bytes"));
        Assert.That(ex.IsTransient, Is.False);
        // The client hung up near the bound: the server could push at most the bound plus socket buffers (and the
        // handler's drain), far from the 1 GiB it would send to a client that reads on.
        Assert.That(server.BytesSent, Is.LessThan(32L * SmallBound), "bytes the endpoint got to send");
    }

    [Test]
    public void RequestAsync_MoreTokensThanTheBound_ThrowsMalformedResponse()
    {
        var (client, handler, factory) = Create(
            r => new FakeRpcResponse($"{{\"jsonrpc\":\"2.0\",\"id\":{r.Id},\"result\":[{string.Join(',', Enumerable.Repeat('0', 2000))}]}}"),
            s_fast with { MaxResponseTokens = 1000 });
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.BlockNumberAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(ex.Message, Does.Contain("more than 1000 JSON tokens"));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [TestCase(65)]
    [TestCase(100_000)]
    public void RequestAsync_DeepNesting_ThrowsMalformedResponse(int depth)
    {
        var body = $"{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{new string('[', depth)}{new string(']', depth)}}}";
        var (client, handler, factory) = Create(_ => new FakeRpcResponse(body));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.GetTransactionReceiptAsync(Keccak256.HashUtf8("x"), Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task BatchAsync_NestingWithinTheDepthBound_IsReadAsync()
    {
        // 60 levels inside the result, 62 with the batch array and the envelope: under both readers' limit of 64.
        var nested = new string('[', 60) + "\"0x1\"" + new string(']', 60);
        var handler = new FakeRpcHandler(r => Task.FromResult(new FakeRpcResponse(
            $"[{{\"jsonrpc\":\"2.0\",\"id\":{r.Batch![0]!["id"]},\"result\":{nested}}}]")));
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);

        var results = await client.BatchAsync([new JsonRpcCall("eth_chainId", [])], Timeout());

        var element = results[0].GetResultOrThrow();
        for (var i = 0; i < 60; i++)
        {
            Assert.That(element.ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Array));
            element = element[0];
        }

        Assert.That(element.GetString(), Is.EqualTo("0x1"));
    }

    [Test]
    public void NewtonsoftJson_IsThePinned13WithMaxDepth64()
    {
        var assembly = typeof(Newtonsoft.Json.JsonConvert).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()!.Version;

        Assert.That(Version.Parse(version), Is.GreaterThanOrEqualTo(new Version(13, 0, 4)), "GHSA-5crp-9r3c-p9vr is fixed in 13.0.1; 13.0.4 is pinned");
        Assert.That(new Newtonsoft.Json.JsonSerializerSettings().MaxDepth, Is.EqualTo(64), "Newtonsoft's default depth");
        Assert.That(GuardedRpcClient.SerializerSettings.MaxDepth, Is.EqualTo(64), "ours, set explicitly");
    }

    [TestCase("\"0x1ffffffffffffffff\"", TestName = "ChainIdAsync_Over64Bits_ThrowsMalformed")]
    [TestCase("\"0x10000000000000000000000000000000000000000000000000000000000000000\"", TestName = "ChainIdAsync_Over256Bits_ThrowsMalformed")]
    [TestCase("\"7a69\"", TestName = "ChainIdAsync_NoHexPrefix_ThrowsMalformed")]
    [TestCase("\"0x\"", TestName = "ChainIdAsync_EmptyHex_ThrowsMalformed")]
    [TestCase("\"-0x1\"", TestName = "ChainIdAsync_Negative_ThrowsMalformed")]
    [TestCase("31337", TestName = "ChainIdAsync_JsonNumber_ThrowsMalformed")]
    [TestCase("1e400", TestName = "ChainIdAsync_HugeFloat_ThrowsMalformed")]
    [TestCase("null", TestName = "ChainIdAsync_Null_ThrowsMalformed")]
    [TestCase("{}", TestName = "ChainIdAsync_Object_ThrowsMalformed")]
    public void ChainIdAsync_MalformedQuantity_ThrowsMalformedResponse(string result)
    {
        var (client, handler, factory) = Create(r => new FakeRpcResponse($"{{\"jsonrpc\":\"2.0\",\"id\":{r.Id},\"result\":{result}}}"));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public void ChainIdAsync_HugeJsonInteger_ThrowsShortMalformedResponse()
    {
        var digits = new string('9', 100_000);
        var (client, _, factory) = Create(r => new FakeRpcResponse($"{{\"jsonrpc\":\"2.0\",\"id\":{r.Id},\"result\":{digits}}}"));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(ex.Message, Has.Length.LessThan(400), "the parser quotes the number; we do not");
    }

    [TestCase("\"1\"", TestName = "ChainIdAsync_IdAsString_ThrowsMalformed")]
    [TestCase("null", TestName = "ChainIdAsync_IdNull_ThrowsMalformed")]
    [TestCase("1.5", TestName = "ChainIdAsync_IdFractional_ThrowsMalformed")]
    [TestCase("123456789012345678901234567890", TestName = "ChainIdAsync_IdHuge_ThrowsMalformed")]
    public void ChainIdAsync_WrongId_ThrowsMalformedResponse(string id)
    {
        var (client, _, factory) = Create(_ => new FakeRpcResponse($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":\"0x1\"}}"));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
    }

    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\",\"message\":\"m\"}}")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"boom\"}")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":99999999999,\"message\":\"m\"}}")]
    [TestCase("\"0x1\"")]
    [TestCase("")]
    [TestCase("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"} trailing")]
    public void ChainIdAsync_MalformedEnvelope_ThrowsMalformedResponseWithoutRetry(string body)
    {
        var (client, handler, factory) = Create(_ => new FakeRpcResponse(body));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(handler.Requests, Is.EqualTo(1));
    }

    [Test]
    public void ChainIdAsync_HugeErrorMessage_IsCutShort()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Error(r.Id, -32000, new string('x', 1_000_000)));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.RpcError));
        Assert.That(ex.Message, Has.Length.LessThan(1100));
    }

    [TestCase(HttpStatusCode.TooManyRequests, true)]
    [TestCase(HttpStatusCode.InternalServerError, true)]
    [TestCase(HttpStatusCode.ServiceUnavailable, true)]
    [TestCase(HttpStatusCode.BadRequest, false)]
    [TestCase(HttpStatusCode.Forbidden, false)]
    [TestCase(HttpStatusCode.NotFound, false)]
    public void RequestAsync_HttpStatus_RetriedOnlyWhenTransient(HttpStatusCode status, bool transient)
    {
        var (client, handler, factory) = Create(_ => new FakeRpcResponse("no", status));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.HttpStatus));
        Assert.That(ex.HttpStatus, Is.EqualTo((int)status));
        Assert.That(ex.IsTransient, Is.EqualTo(transient));
        Assert.That(handler.Requests, Is.EqualTo(transient ? 1 + s_fast.MaxRetries : 1));
    }

    [TestCase(JsonRpcException.LimitExceededCode, "limit exceeded", JsonRpcErrorKind.RpcError, true)]
    [TestCase(-32000, "nonce too low", JsonRpcErrorKind.RpcError, false)]
    [TestCase(-32601, "method not found", JsonRpcErrorKind.RpcError, false)]
    [TestCase(3, "execution reverted", JsonRpcErrorKind.Reverted, false)]
    [TestCase(-32000, "execution reverted: nope", JsonRpcErrorKind.Reverted, false)]
    public void RequestAsync_ErrorObject_ClassifiedAndRetriedOnlyWhenTransient(int code, string message, JsonRpcErrorKind kind, bool transient)
    {
        var (client, handler, factory) = Create(r => FakeRpcHandler.Error(r.Id, code, message));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.EstimateGasAsync(new CallRequest { Data = [1] }, cancellationToken: Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(kind));
        Assert.That(ex.Code, Is.EqualTo(code));
        Assert.That(ex.RpcMessage, Is.EqualTo(message));
        Assert.That(ex.IsTransient, Is.EqualTo(transient));
        Assert.That(handler.Requests, Is.EqualTo(transient ? 1 + s_fast.MaxRetries : 1));
    }

    [Test]
    public void CallAsync_RevertDataNestedInAnObject_IsDecoded()
    {
        var (client, _, factory) = Create(r => new FakeRpcResponse(
            $"{{\"jsonrpc\":\"2.0\",\"id\":{r.Id},\"error\":{{\"code\":-32015,\"message\":\"VM execution error\",\"data\":{{\"message\":\"revert\",\"data\":\"0xdeadbeef\"}}}}}}"));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.CallAsync(new CallRequest { Data = [1] }, cancellationToken: Timeout()));

        Assert.That(ex!.RevertSelector, Is.EqualTo(0xdeadbeef));
        Assert.That(ex.Kind, Is.EqualTo(JsonRpcErrorKind.RpcError));
    }

    [Test]
    public async Task RetryWarnings_NodeDown_OneLineEachWithoutStackTraceAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Debug));
        using var factory = new TestHttpClientFactory();
        var client = new EthJsonRpcClient(factory, new Uri($"http://127.0.0.1:{port}/"), s_fast with { MaxRetries = 2 }, logger: loggerFactory.CreateLogger<EthJsonRpcClient>());

        Assert.ThrowsAsync<JsonRpcException>(() => client.ChainIdAsync(Timeout()));
        await Task.Yield();

        var warnings = collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        var details = collector.GetSnapshot().Where(r => r.Level == LogLevel.Debug && r.Id.Id == 3501).ToList();
        Assert.That(warnings, Has.Count.EqualTo(2));
        Assert.That(warnings.Select(w => w.Id.Id), Is.All.EqualTo(3500));
        Assert.That(warnings.Select(w => w.Exception), Is.All.Null, "no stack trace at Warning");
        Assert.That(warnings[0].Message, Does.Contain("eth_chainId").And.Contain("Transport").And.Contain($"127.0.0.1:{port}").And.Not.Contain("\n"));
        Assert.That(details.Select(d => d.Exception), Is.All.InstanceOf<JsonRpcException>());
    }

    [Test]
    public async Task BatchAsync_AnswerMissingAndWrongId_EachCallGetsItsOwnErrorAsync()
    {
        var handler = new FakeRpcHandler(r =>
        {
            var first = r.Batch![0]!["id"]!.GetValue<long>();
            // An answer to the first call, one to an id never sent, none to the second.
            var answers = new JsonArray(
                JsonNode.Parse(FakeRpcHandler.Result(first, "0x1").Body),
                JsonNode.Parse(FakeRpcHandler.Result(first + 100, "0x2").Body));
            return Task.FromResult(new FakeRpcResponse(answers.ToJsonString()));
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);

        var results = await client.BatchAsync([new JsonRpcCall("eth_chainId", []), new JsonRpcCall("eth_blockNumber", [])], Timeout());

        Assert.That(results[0].GetResultOrThrow().GetString(), Is.EqualTo("0x1"));
        Assert.That(results[1].Error!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(results[1].Error!.Method, Is.EqualTo("eth_blockNumber"));
    }

    [Test]
    public async Task BatchAsync_ServerErrorThenAnswers_RetriesTheWholeBatchAsync()
    {
        var calls = 0;
        var handler = new FakeRpcHandler(r =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Task.FromResult(new FakeRpcResponse("busy", HttpStatusCode.BadGateway));
            }

            var answers = new JsonArray(r.Batch!.Select(c => JsonNode.Parse(FakeRpcHandler.Result(c!["id"], "0x7").Body)).ToArray());
            return Task.FromResult(new FakeRpcResponse(answers.ToJsonString()));
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);

        var results = await client.BatchAsync([new JsonRpcCall("eth_chainId", []), new JsonRpcCall("eth_chainId", [])], Timeout());

        Assert.That(results.Select(r => r.GetResultOrThrow().GetString()), Is.All.EqualTo("0x7"));
        Assert.That(handler.Requests, Is.EqualTo(2));
    }

    [Test]
    public async Task BatchAsync_ParamsAndConvertResult_RoundTripAsync()
    {
        JsonArray? sent = null;
        var handler = new FakeRpcHandler(r =>
        {
            sent = r.Batch;
            var answers = new JsonArray(r.Batch!.Select(c => JsonNode.Parse(FakeRpcHandler.Result(c!["id"], "0x0102").Body)).ToArray());
            return Task.FromResult(new FakeRpcResponse(answers.ToJsonString()));
        });
        using var factory = new TestHttpClientFactory(handler);
        var client = new EthJsonRpcClient(factory, s_endpoint, s_fast);
        var to = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

        var results = await client.BatchAsync(
            [new JsonRpcCall("eth_call", [EthJsonRpcClient.Param(new CallRequest { To = to, Data = [0xab] }), EthJsonRpcClient.Param(BlockTag.Latest)])],
            Timeout());
        var bytes = EthJsonRpcClient.ConvertResult("eth_call", results[0].GetResultOrThrow(), ChainJsonContext.Default.ByteArray);

        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 2 }));
        var call = sent![0]!;
        Assert.That((string)call["method"]!, Is.EqualTo("eth_call"));
        Assert.That(call["params"]!.ToJsonString(), Is.EqualTo("[{\"to\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"data\":\"0xab\"},\"latest\"]"));
    }

    [Test]
    public async Task CallAsync_Request_HasTheSpecShapeAsync()
    {
        FakeRpcRequest? seen = null;
        var (client, _, factory) = Create(r =>
        {
            seen = r;
            return FakeRpcHandler.Result(r.Id, "0x");
        });
        using var _ = factory;

        var output = await client.CallAsync(
            new CallRequest { From = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"), To = default(EthAddress), Data = [0xab, 0xcd], Value = 16, Gas = 21000 },
            BlockTag.FromNumber(255),
            Timeout());

        Assert.That(output, Is.Empty);
        Assert.That(seen!.Method, Is.EqualTo("eth_call"));
        Assert.That(seen.Id!.GetValueKind(), Is.EqualTo(System.Text.Json.JsonValueKind.Number));
        var parameters = seen.Params!;
        Assert.That(parameters, Has.Count.EqualTo(2));
        Assert.That((string)parameters[0]!["from"]!, Is.EqualTo("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
        Assert.That((string)parameters[0]!["to"]!, Is.EqualTo("0x0000000000000000000000000000000000000000"));
        Assert.That((string)parameters[0]!["data"]!, Is.EqualTo("0xabcd"));
        Assert.That((string)parameters[0]!["value"]!, Is.EqualTo("0x10"));
        Assert.That((string)parameters[0]!["gas"]!, Is.EqualTo("0x5208"));
        Assert.That((string)parameters[1]!, Is.EqualTo("0xff"));
    }

    [Test]
    public async Task GetLogsAsync_FilterAndAnswer_MapBothWaysAsync()
    {
        var topic = Keccak256.HashUtf8("Event(uint256)");
        FakeRpcRequest? seen = null;
        var (client, _, factory) = Create(r =>
        {
            seen = r;
            return FakeRpcHandler.Result(r.Id, JsonNode.Parse($$"""
                [{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["{{topic}}"],"data":"0x01",
                  "blockNumber":"0x2","blockHash":"{{topic}}","transactionHash":"{{topic}}","transactionIndex":"0x0","logIndex":"0x3","removed":false}]
                """));
        });
        using var _ = factory;

        var logs = await client.GetLogsAsync(
            new LogFilter { FromBlock = 1, ToBlock = BlockTag.Latest, Address = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"), Topics = [topic, null] },
            Timeout());

        var filter = seen!.Params![0]!;
        Assert.That((string)filter["fromBlock"]!, Is.EqualTo("0x1"));
        Assert.That((string)filter["toBlock"]!, Is.EqualTo("latest"));
        Assert.That(filter["address"]!.ToJsonString(), Is.EqualTo("[\"0x5fbdb2315678afecb367f032d93f642f64180aa3\"]"));
        Assert.That(filter["topics"]!.ToJsonString(), Is.EqualTo($"[\"{topic}\",null]"));
        Assert.That(logs, Has.Count.EqualTo(1));
        Assert.That(logs[0].Topics, Is.EqualTo(new[] { topic }));
        Assert.That(logs[0].Data, Is.EqualTo(new byte[] { 1 }));
        Assert.That(logs[0].BlockNumber, Is.EqualTo(2));
        Assert.That(logs[0].LogIndex, Is.EqualTo(3));
    }

    [TestCase("address", "\"0x1234\"")]
    [TestCase("topics", "[\"0x12\"]")]
    [TestCase("topics", "[7]")]
    [TestCase("data", "\"zz\"")]
    [TestCase("logIndex", "3")]
    public void GetLogsAsync_MalformedLog_ThrowsMalformedResponse(string field, string value)
    {
        var log = new JsonObject
        {
            ["address"] = "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            ["topics"] = new JsonArray(),
            ["data"] = "0x",
        };
        log[field] = JsonNode.Parse(value);
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, new JsonArray(log)));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.GetLogsAsync(new LogFilter(), Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
    }

    [Test]
    public async Task GetTransactionReceiptAsync_TypicalAnswer_MapsItAsync()
    {
        var hash = Keccak256.HashUtf8("tx");
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, JsonNode.Parse($$"""
            {"transactionHash":"{{hash}}","blockHash":"{{hash}}","blockNumber":"0x10","transactionIndex":"0x0",
             "from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":null,"gasUsed":"0x5208","cumulativeGasUsed":"0x5208",
             "effectiveGasPrice":"0x3b9aca00","contractAddress":"0x5fbdb2315678afecb367f032d93f642f64180aa3","logs":[],
             "status":"0x1","type":"0x2","logsBloom":"0x00"}
            """)));
        using var _ = factory;

        var receipt = await client.GetTransactionReceiptAsync(hash, Timeout());

        Assert.That(receipt, Is.Not.Null);
        Assert.That(receipt!.TransactionHash, Is.EqualTo(hash));
        Assert.That(receipt.BlockNumber, Is.EqualTo(16));
        Assert.That(receipt.To, Is.Null);
        Assert.That(receipt.ContractAddress, Is.EqualTo(EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3")));
        Assert.That(receipt.EffectiveGasPrice, Is.EqualTo(new System.Numerics.BigInteger(1_000_000_000)));
        Assert.That(receipt.Succeeded, Is.True);
    }

    [Test]
    public async Task GetBlockByNumberAsync_TypicalAnswer_MapsTheHeaderAsync()
    {
        var hash = Keccak256.HashUtf8("block");
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, JsonNode.Parse($$"""
            {"number":"0x2a","hash":"{{hash}}","parentHash":"{{hash}}","timestamp":"0x65","gasLimit":"0x1c9c380","gasUsed":"0x0",
             "baseFeePerGas":"0x7","transactions":["{{hash}}"],"uncles":[],"extraData":"0x","miner":"0x0000000000000000000000000000000000000000"}
            """)));
        using var _ = factory;

        var block = await client.GetBlockByNumberAsync(BlockTag.Latest, Timeout());

        Assert.That(block, Is.EqualTo(new BlockHeader(42, hash, hash, 0x65, 30_000_000, 0, 7)));
    }

    [Test]
    public void GetBlockByNumberAsync_MissingHash_ThrowsMalformedResponse()
    {
        var (client, _, factory) = Create(r => FakeRpcHandler.Result(r.Id, JsonNode.Parse("""{"number":"0x2a","timestamp":"0x1","gasLimit":"0x1","gasUsed":"0x0"}""")));
        using var _ = factory;

        var ex = Assert.ThrowsAsync<JsonRpcException>(() => client.GetBlockByNumberAsync(BlockTag.Latest, Timeout()));

        Assert.That(ex!.Kind, Is.EqualTo(JsonRpcErrorKind.MalformedResponse));
        Assert.That(ex.Message, Does.Contain("hash"));
    }

    [Test]
    public async Task Client_SharedHttpClientOfTheFactory_ServesManyClientsAsync()
    {
        // Hosts (and tests) may hand out one HttpClient for every name: nothing of ours may mutate it.
        using var handler = new FakeRpcHandler(r => Task.FromResult(FakeRpcHandler.Result(r.Id, "0x1")));
        using var shared = new HttpClient(handler, disposeHandler: false);
        var factory = new SingleClientFactory(shared);

        var first = await new EthJsonRpcClient(factory, s_endpoint, s_fast).ChainIdAsync(Timeout());
        var second = await new EthJsonRpcClient(factory, new Uri("http://127.0.0.1:10/"), s_fast).ChainIdAsync(Timeout());

        Assert.That((first, second), Is.EqualTo((1UL, 1UL)));
    }

    private sealed class SingleClientFactory(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
