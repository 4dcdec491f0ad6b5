using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.JsonRpc.Client.RpcMessages;
using Nethereum.RPC.Eth;
using Nethereum.RPC.Eth.Blocks;
using Nethereum.RPC.Eth.Filters;
using Nethereum.RPC.Eth.Transactions;
using Newtonsoft.Json.Linq;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Ethereum JSON-RPC over HTTP on Nethereum.RPC: each method is Nethereum's typed request (<c>EthChainId</c>,
/// <c>EthCall</c>, <c>EthGetTransactionReceipt</c>, …) over Nethereum's <c>RpcClient</c>, whose HTTP goes out on the
/// <see cref="IHttpClientFactory"/>'s named client (<see cref="HttpClientName"/>) through our guards: every call is bounded
/// by <see cref="JsonRpcClientOptions.RequestTimeout"/> and the answer's size and token count, retried with exponential
/// backoff only when the failure is transient (<see cref="JsonRpcException.IsTransient"/>), and checked (id, envelope,
/// strict quantities, required fields). Failures surface as <see cref="JsonRpcException"/>; a malformed answer is an
/// error, never a default value.
/// </summary>
public sealed partial class EthJsonRpcClient
{
    /// <summary>Name of the <see cref="HttpClient"/> taken from <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "PhalaWorker.Chain.JsonRpc";

    private readonly GuardedRpcClient _rpc;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private long _nextId;

    public EthJsonRpcClient(
        IHttpClientFactory httpClientFactory,
        Uri endpoint,
        JsonRpcClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<EthJsonRpcClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        Options = options ?? new JsonRpcClientOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxResponseBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxResponseTokens, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.MaxRetries, nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // Nethereum's RpcClient posts on this client; its handler sends each exchange on the factory's named client and
        // enforces the bounds (JsonRpcHttpHandler), so they hold whatever factory the host passes. Nethereum sets this
        // client's BaseAddress (and Basic auth from the URL's user info), which is why it is not the factory's own.
        var http = new HttpClient(new JsonRpcHttpHandler(httpClientFactory, endpoint, Options, _timeProvider))
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = Options.MaxResponseBytes,
        };
        _rpc = new GuardedRpcClient(endpoint, http);
    }

    public Uri Endpoint { get; }

    public JsonRpcClientOptions Options { get; }

    // ------------------------------------------------------------------ eth_* methods

    public async Task<ulong> ChainIdAsync(CancellationToken cancellationToken = default)
    {
        const string method = "eth_chainId";
        return ToUInt64(method, await InvokeAsync(method, () => new EthChainId(_rpc).SendRequestAsync(NextId()), cancellationToken).ConfigureAwait(false));
    }

    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken = default)
    {
        const string method = "eth_blockNumber";
        return ToUInt64(method, await InvokeAsync(method, () => new EthBlockNumber(_rpc).SendRequestAsync(NextId()), cancellationToken).ConfigureAwait(false));
    }

    public async Task<BigInteger> GetBalanceAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getBalance";
        var result = await InvokeAsync(
            method,
            () => new EthGetBalance(_rpc).SendRequestAsync(address.ToLowerHexString(), ToBlockParameter(block ?? BlockTag.Latest), NextId()),
            cancellationToken).ConfigureAwait(false);
        return ToQuantity(method, result);
    }

    /// <summary>The account's nonce: <see cref="BlockTag.Pending"/> counts transactions in the node's pool too.</summary>
    public async Task<ulong> GetTransactionCountAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getTransactionCount";
        var result = await InvokeAsync(
            method,
            () => new EthGetTransactionCount(_rpc).SendRequestAsync(address.ToLowerHexString(), ToBlockParameter(block ?? BlockTag.Latest), NextId()),
            cancellationToken).ConfigureAwait(false);
        return ToUInt64(method, result);
    }

    public async Task<FeeHistory> FeeHistoryAsync(ulong blockCount, BlockTag newestBlock, IReadOnlyList<double> rewardPercentiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rewardPercentiles);
        const string method = "eth_feeHistory";
        var percentiles = rewardPercentiles.Select(p => (decimal)p).ToArray();
        var result = await InvokeAsync(
            method,
            () => new EthFeeHistory(_rpc).SendRequestAsync(new HexBigInteger(blockCount), ToBlockParameter(newestBlock), percentiles, NextId()),
            cancellationToken).ConfigureAwait(false);
        return MapFeeHistory(method, result);
    }

    public async Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default)
    {
        const string method = "eth_maxPriorityFeePerGas";
        return ToQuantity(method, await InvokeAsync(method, () => new EthMaxPriorityFeePerGas(_rpc).SendRequestAsync(NextId()), cancellationToken).ConfigureAwait(false));
    }

    public async Task<BigInteger> GasPriceAsync(CancellationToken cancellationToken = default)
    {
        const string method = "eth_gasPrice";
        return ToQuantity(method, await InvokeAsync(method, () => new EthGasPrice(_rpc).SendRequestAsync(NextId()), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Gas the call would use; a revert throws <see cref="JsonRpcException"/> of kind <see cref="JsonRpcErrorKind.Reverted"/>.</summary>
    public async Task<ulong> EstimateGasAsync(CallRequest call, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        const string method = "eth_estimateGas";
        var input = ToCallInput(call);
        // Nethereum's EthEstimateGas sends no block; with one, the same method as a plain request.
        var result = await InvokeAsync(
            method,
            () => block is { } b
                ? _rpc.SendRequestAsync<HexBigInteger>(new RpcRequest(NextId(), method, input, ToBlockParameter(b)))
                : new EthEstimateGas(_rpc).SendRequestAsync(input, NextId()),
            cancellationToken).ConfigureAwait(false);
        return ToUInt64(method, result);
    }

    /// <summary>Executes a call without a transaction; a revert throws <see cref="JsonRpcException"/> of kind <see cref="JsonRpcErrorKind.Reverted"/>.</summary>
    public async Task<byte[]> CallAsync(CallRequest call, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        const string method = "eth_call";
        var input = ToCallInput(call);
        var blockParameter = ToBlockParameter(block ?? BlockTag.Latest);
        return ToBytes(method, await InvokeAsync(method, () => new EthCall(_rpc).SendRequestAsync(input, blockParameter, NextId()), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Broadcasts a signed transaction; returns its hash.</summary>
    public async Task<Hash32> SendRawTransactionAsync(ReadOnlyMemory<byte> rawTransaction, CancellationToken cancellationToken = default)
    {
        const string method = "eth_sendRawTransaction";
        var hex = Hex.Encode(rawTransaction.Span);
        return ToHash(method, await InvokeAsync(method, () => new EthSendRawTransaction(_rpc).SendRequestAsync(hex, NextId()), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The receipt, or null while the transaction is not mined (or unknown).</summary>
    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getTransactionReceipt";
        var result = await InvokeAsync(method, () => new EthGetTransactionReceipt(_rpc).SendRequestAsync(transactionHash.ToString(), NextId()), cancellationToken).ConfigureAwait(false);
        return result is null ? null : MapReceipt(method, result);
    }

    /// <summary>The transaction, or null when the node does not know it.</summary>
    public async Task<TransactionInfo?> GetTransactionByHashAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getTransactionByHash";
        var result = await InvokeAsync(method, () => new EthGetTransactionByHash(_rpc).SendRequestAsync(transactionHash.ToString(), NextId()), cancellationToken).ConfigureAwait(false);
        return result is null ? null : MapTransaction(method, result);
    }

    /// <summary>The block header, or null when there is no such block.</summary>
    public async Task<BlockHeader?> GetBlockByNumberAsync(BlockTag block, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getBlockByNumber";
        var blockParameter = ToBlockParameter(block);
        var result = await InvokeAsync(method, () => new EthGetBlockWithTransactionsHashesByNumber(_rpc).SendRequestAsync(blockParameter, NextId()), cancellationToken).ConfigureAwait(false);
        return result is null ? null : MapBlock(method, result);
    }

    public async Task<IReadOnlyList<LogEntry>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        const string method = "eth_getLogs";
        var input = ToFilterInput(filter);
        var result = await InvokeAsync(method, () => new EthGetLogs(_rpc).SendRequestAsync(input, NextId()), cancellationToken).ConfigureAwait(false);
        return result is null
            ? throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the result is null")
            : Array.ConvertAll(result, log => MapLog(method, log));
    }

    public async Task<byte[]> GetCodeAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        const string method = "eth_getCode";
        var blockParameter = ToBlockParameter(block ?? BlockTag.Latest);
        return ToBytes(method, await InvokeAsync(method, () => new EthGetCode(_rpc).SendRequestAsync(address.ToLowerHexString(), blockParameter, NextId()), cancellationToken).ConfigureAwait(false));
    }

    // ------------------------------------------------------------------ batches

    /// <summary>Parameter helpers for <see cref="JsonRpcCall"/>.</summary>
    public static JsonElement Param(string value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.String);

    public static JsonElement Param(bool value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.Boolean);

    public static JsonElement Param(ulong value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.UInt64);

    public static JsonElement Param(BigInteger value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.BigInteger);

    public static JsonElement Param(Hash32 value) => Param(value.ToString());

    public static JsonElement Param(EthAddress value) => Param(value.ToLowerHexString());

    public static JsonElement Param(BlockTag value) => Param(value.ToString());

    public static JsonElement Param(CallRequest value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.CallRequest);

    /// <summary>
    /// Sends several calls in one JSON-RPC batch; results come back in the order of <paramref name="calls"/>,
    /// each with its result or its own error. Transport failures of the whole batch are retried like single calls.
    /// </summary>
    public async Task<IReadOnlyList<JsonRpcBatchResult>> BatchAsync(IReadOnlyList<JsonRpcCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0)
        {
            return [];
        }

        return await InvokeAsync("batch", () => SendBatchOnceAsync(calls), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Converts a result of <see cref="BatchAsync"/>; shape errors become <see cref="JsonRpcErrorKind.MalformedResponse"/>.</summary>
    public static T ConvertResult<T>(string method, JsonElement result, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the response has no result");
        }

        try
        {
            return result.Deserialize(typeInfo)
                ?? throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the result is null");
        }
        catch (JsonException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "malformed result: " + JsonRpcException.Excerpt(ex.Message), innerException: ex);
        }
    }

    private async Task<IReadOnlyList<JsonRpcBatchResult>> SendBatchOnceAsync(IReadOnlyList<JsonRpcCall> calls)
    {
        var firstId = Interlocked.Add(ref _nextId, calls.Count) - calls.Count + 1;
        var requests = new RpcRequestMessage[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            // Our parameters are System.Text.Json elements: Newtonsoft writes them through verbatim.
            var parameters = calls[i].Params.Select(p => (object)new JRaw(p.GetRawText())).ToArray();
            requests[i] = new RpcRequestMessage(firstId + i, calls[i].Method, parameters);
        }

        var responses = await _rpc.SendBatchAsync(requests).ConfigureAwait(false);
        var byId = new Dictionary<long, RpcResponseMessage>();
        foreach (var response in responses)
        {
            if (response?.Id is long id)
            {
                byId[id] = response;
            }
        }

        var results = new JsonRpcBatchResult[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            var method = calls[i].Method;
            if (!byId.TryGetValue(firstId + i, out var response))
            {
                results[i] = new JsonRpcBatchResult(default, new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the batch response has no answer for this call"));
                continue;
            }

            try
            {
                results[i] = new JsonRpcBatchResult(ToJsonElement(GuardedRpcClient.Check(method, requests[i], response).Result), null);
            }
            catch (JsonRpcException ex)
            {
                results[i] = new JsonRpcBatchResult(default, ex);
            }
        }

        return results;
    }

    private static JsonElement ToJsonElement(object result)
    {
        using var document = JsonDocument.Parse(((JToken)result).ToString(Newtonsoft.Json.Formatting.None));
        return document.RootElement.Clone();
    }

    // ------------------------------------------------------------------ sending, retries

    private long NextId() => Interlocked.Increment(ref _nextId);

    private async Task<T> InvokeAsync<T>(string method, Func<Task<T>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendOnceAsync(method, send, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonRpcException ex) when (ex.IsTransient && attempt < Options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var delay = RetryDelay(attempt);
                ChainLog.RpcRetry(_logger, method, ex.Kind, ex.RpcMessage, attempt + 1, delay);
                ChainLog.RpcRetryDetail(_logger, method, ex);
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<T> SendOnceAsync<T>(string method, Func<Task<T>> send, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var call = JsonRpcCallContext.Enter(method, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await send().ConfigureAwait(false);
            outcome = "ok";
            return result;
        }
        catch (Exception ex) when (ex is RpcResponseFormatException or RpcResponseException or RpcClientUnknownException or RpcClientTimeoutException or Newtonsoft.Json.JsonException)
        {
            // A Nethereum path around GuardedRpcClient's checks (none is known): still a classified failure.
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, JsonRpcException.Excerpt(ex.Message), innerException: ex);
        }
        finally
        {
            ChainTelemetry.RpcDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("method", method), new("outcome", outcome));
        }
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var baseDelay = Options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var capped = Math.Min(baseDelay, Options.MaxRetryDelay.TotalMilliseconds);
        // Full jitter in [50 %, 100 %] spreads retries of many agents hitting one node.
        var jitter = 0.5 + (RandomNumberGenerator.GetInt32(0, 1001) / 2000.0);
        return TimeSpan.FromMilliseconds(capped * jitter);
    }
}
