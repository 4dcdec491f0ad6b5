using System.Diagnostics;
using System.Net.Http.Headers;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Ethereum JSON-RPC over HTTP. Every call is bounded by <see cref="JsonRpcClientOptions.RequestTimeout"/> and retried
/// with exponential backoff only when the failure is transient (<see cref="JsonRpcException.IsTransient"/>). Failures
/// surface as <see cref="JsonRpcException"/>; a malformed answer is an error, never a default value.
/// </summary>
public sealed class EthJsonRpcClient
{
    /// <summary>Name of the <see cref="HttpClient"/> taken from <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "PhalaWorker.Chain.JsonRpc";

    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly IHttpClientFactory _httpClientFactory;
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
        _httpClientFactory = httpClientFactory;
        Endpoint = endpoint;
        Options = options ?? new JsonRpcClientOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public Uri Endpoint { get; }

    public JsonRpcClientOptions Options { get; }

    // ------------------------------------------------------------------ eth_* methods

    public async Task<ulong> ChainIdAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_chainId", [], ChainJsonContext.Default.UInt64, cancellationToken).ConfigureAwait(false);

    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_blockNumber", [], ChainJsonContext.Default.UInt64, cancellationToken).ConfigureAwait(false);

    public async Task<BigInteger> GetBalanceAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getBalance", [Param(address), Param(block ?? BlockTag.Latest)], ChainJsonContext.Default.BigInteger, cancellationToken).ConfigureAwait(false);

    /// <summary>The account's nonce: <see cref="BlockTag.Pending"/> counts transactions in the node's pool too.</summary>
    public async Task<ulong> GetTransactionCountAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getTransactionCount", [Param(address), Param(block ?? BlockTag.Latest)], ChainJsonContext.Default.UInt64, cancellationToken).ConfigureAwait(false);

    public async Task<FeeHistory> FeeHistoryAsync(ulong blockCount, BlockTag newestBlock, IReadOnlyList<double> rewardPercentiles, CancellationToken cancellationToken = default) =>
        await RequestAsync(
            "eth_feeHistory",
            [Param(blockCount), Param(newestBlock), JsonSerializer.SerializeToElement(rewardPercentiles.ToArray(), ChainJsonContext.Default.DoubleArray)],
            ChainJsonContext.Default.FeeHistory,
            cancellationToken).ConfigureAwait(false);

    public async Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_maxPriorityFeePerGas", [], ChainJsonContext.Default.BigInteger, cancellationToken).ConfigureAwait(false);

    public async Task<BigInteger> GasPriceAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_gasPrice", [], ChainJsonContext.Default.BigInteger, cancellationToken).ConfigureAwait(false);

    /// <summary>Gas the call would use; a revert throws <see cref="JsonRpcException"/> of kind <see cref="JsonRpcErrorKind.Reverted"/>.</summary>
    public async Task<ulong> EstimateGasAsync(CallRequest call, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonElement[] parameters = block is { } b ? [Param(call), Param(b)] : [Param(call)];
        return await RequestAsync("eth_estimateGas", parameters, ChainJsonContext.Default.UInt64, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Executes a call without a transaction; a revert throws <see cref="JsonRpcException"/> of kind <see cref="JsonRpcErrorKind.Reverted"/>.</summary>
    public async Task<byte[]> CallAsync(CallRequest call, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return await RequestAsync("eth_call", [Param(call), Param(block ?? BlockTag.Latest)], ChainJsonContext.Default.ByteArray, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Broadcasts a signed transaction; returns its hash.</summary>
    public async Task<Hash32> SendRawTransactionAsync(ReadOnlyMemory<byte> rawTransaction, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_sendRawTransaction", [Param(Hex.Encode(rawTransaction.Span))], ChainJsonContext.Default.Hash32, cancellationToken).ConfigureAwait(false);

    /// <summary>The receipt, or null while the transaction is not mined (or unknown).</summary>
    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default) =>
        await RequestNullableAsync("eth_getTransactionReceipt", [Param(transactionHash)], ChainJsonContext.Default.TransactionReceipt, cancellationToken).ConfigureAwait(false);

    /// <summary>The transaction, or null when the node does not know it.</summary>
    public async Task<TransactionInfo?> GetTransactionByHashAsync(Hash32 transactionHash, CancellationToken cancellationToken = default) =>
        await RequestNullableAsync("eth_getTransactionByHash", [Param(transactionHash)], ChainJsonContext.Default.TransactionInfo, cancellationToken).ConfigureAwait(false);

    /// <summary>The block header, or null when there is no such block.</summary>
    public async Task<BlockHeader?> GetBlockByNumberAsync(BlockTag block, CancellationToken cancellationToken = default) =>
        await RequestNullableAsync("eth_getBlockByNumber", [Param(block), Param(false)], ChainJsonContext.Default.BlockHeader, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<LogEntry>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var wire = new RpcLogFilter(filter.FromBlock.ToString(), filter.ToBlock.ToString(), filter.Address, filter.Topics);
        return await RequestAsync("eth_getLogs", [JsonSerializer.SerializeToElement(wire, ChainJsonContext.Default.RpcLogFilter)], ChainJsonContext.Default.LogEntryArray, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]> GetCodeAsync(EthAddress address, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getCode", [Param(address), Param(block ?? BlockTag.Latest)], ChainJsonContext.Default.ByteArray, cancellationToken).ConfigureAwait(false);

    // ------------------------------------------------------------------ generic requests

    /// <summary>Parameter helpers for <see cref="RequestAsync(string, IReadOnlyList{JsonElement}, CancellationToken)"/>.</summary>
    public static JsonElement Param(string value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.String);

    public static JsonElement Param(bool value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.Boolean);

    public static JsonElement Param(ulong value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.UInt64);

    public static JsonElement Param(BigInteger value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.BigInteger);

    public static JsonElement Param(Hash32 value) => Param(value.ToString());

    public static JsonElement Param(EthAddress value) => Param(value.ToLowerHexString());

    public static JsonElement Param(BlockTag value) => Param(value.ToString());

    public static JsonElement Param(CallRequest value) => JsonSerializer.SerializeToElement(value, ChainJsonContext.Default.CallRequest);

    /// <summary>Any method (e.g. anvil's <c>anvil_mine</c>); returns the raw result (JSON null included).</summary>
    public async Task<JsonElement> RequestAsync(string method, IReadOnlyList<JsonElement> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(parameters);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var response = await SendOnceAsync(method, parameters, cancellationToken).ConfigureAwait(false);
                return response;
            }
            catch (JsonRpcException ex) when (ex.IsTransient && attempt < Options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var delay = RetryDelay(attempt);
                ChainLog.RpcRetry(_logger, method, ex.Kind, attempt + 1, delay, ex);
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

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

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendBatchOnceAsync(calls, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonRpcException ex) when (ex.IsTransient && attempt < Options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var delay = RetryDelay(attempt);
                ChainLog.RpcRetry(_logger, "batch", ex.Kind, attempt + 1, delay, ex);
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Converts a result of <see cref="RequestAsync(string, IReadOnlyList{JsonElement}, CancellationToken)"/>; shape errors become <see cref="JsonRpcErrorKind.MalformedResponse"/>.</summary>
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
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "malformed result: " + ex.Message, innerException: ex);
        }
    }

    private async Task<T> RequestAsync<T>(string method, IReadOnlyList<JsonElement> parameters, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var result = await RequestAsync(method, parameters, cancellationToken).ConfigureAwait(false);
        return ConvertResult(method, result, typeInfo);
    }

    private async Task<T?> RequestNullableAsync<T>(string method, IReadOnlyList<JsonElement> parameters, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var result = await RequestAsync(method, parameters, cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : ConvertResult(method, result, typeInfo);
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var baseDelay = Options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var capped = Math.Min(baseDelay, Options.MaxRetryDelay.TotalMilliseconds);
        // Full jitter in [50 %, 100 %] spreads retries of many agents hitting one node.
        var jitter = 0.5 + (RandomNumberGenerator.GetInt32(0, 1001) / 2000.0);
        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    private async Task<JsonElement> SendOnceAsync(string method, IReadOnlyList<JsonElement> parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonRpcRequest("2.0", id, method, parameters), ChainJsonContext.Default.JsonRpcRequest);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        byte[] bytes;
        try
        {
            bytes = await PostAsync(method, body, cancellationToken).ConfigureAwait(false);
            outcome = "ok";
        }
        finally
        {
            ChainTelemetry.RpcDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("method", method), new("outcome", outcome));
        }

        JsonRpcResponse response;
        try
        {
            response = JsonSerializer.Deserialize(bytes, ChainJsonContext.Default.JsonRpcResponse)
                ?? throw new JsonException("null response");
        }
        catch (JsonException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the answer is not a JSON-RPC response: " + ex.Message, innerException: ex);
        }

        return Unwrap(method, id, response);
    }

    private async Task<IReadOnlyList<JsonRpcBatchResult>> SendBatchOnceAsync(IReadOnlyList<JsonRpcCall> calls, CancellationToken cancellationToken)
    {
        var firstId = Interlocked.Add(ref _nextId, calls.Count) - calls.Count + 1;
        var requests = new JsonRpcRequest[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            requests[i] = new JsonRpcRequest("2.0", firstId + i, calls[i].Method, calls[i].Params);
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(requests, ChainJsonContext.Default.JsonRpcRequestArray);
        var bytes = await PostAsync("batch", body, cancellationToken).ConfigureAwait(false);
        JsonRpcResponse[] responses;
        try
        {
            responses = JsonSerializer.Deserialize(bytes, ChainJsonContext.Default.JsonRpcResponseArray)
                ?? throw new JsonException("null response");
        }
        catch (JsonException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, "batch", "the answer is not a JSON-RPC batch response: " + ex.Message, innerException: ex);
        }

        var byId = new Dictionary<long, JsonRpcResponse>();
        foreach (var response in responses)
        {
            if (response.Id.ValueKind == JsonValueKind.Number && response.Id.TryGetInt64(out var rid))
            {
                byId[rid] = response;
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
                results[i] = new JsonRpcBatchResult(Unwrap(method, firstId + i, response), null);
            }
            catch (JsonRpcException ex)
            {
                results[i] = new JsonRpcBatchResult(default, ex);
            }
        }

        return results;
    }

    private static JsonElement Unwrap(string method, long id, JsonRpcResponse response)
    {
        if (response.Error is { } error)
        {
            throw FromErrorObject(method, error);
        }

        if (response.Id.ValueKind != JsonValueKind.Number || !response.Id.TryGetInt64(out var rid) || rid != id)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the response id does not match the request");
        }

        if (response.Result.ValueKind == JsonValueKind.Undefined)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the response has neither result nor error");
        }

        return response.Result;
    }

    private static JsonRpcException FromErrorObject(string method, JsonRpcErrorObject error)
    {
        string? data = error.Data.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.String => error.Data.GetString(),
            // Some nodes nest the revert data: {"data": {"data": "0x..."}} or {"data": {"message":..., "data": "0x.."}}.
            JsonValueKind.Object when error.Data.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
            _ => error.Data.GetRawText(),
        };
        var reverted = error.Code == JsonRpcException.ExecutionRevertedCode
            || error.Message.StartsWith("execution reverted", StringComparison.OrdinalIgnoreCase);
        return new JsonRpcException(reverted ? JsonRpcErrorKind.Reverted : JsonRpcErrorKind.RpcError, method, error.Message, error.Code, data);
    }

    private async Task<byte[]> PostAsync(string method, byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Options.RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var http = _httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = s_json;
            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = content };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // Rate limits and server errors are worth a retry; other statuses are not. A short excerpt of the body
                // (providers explain auth and quota errors there) makes the error actionable.
                var excerpt = await ReadExcerptAsync(response.Content, linked.Token).ConfigureAwait(false);
                throw new JsonRpcException(JsonRpcErrorKind.HttpStatus, method, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}{excerpt}", httpStatus: (int)response.StatusCode);
            }

            if (response.Content.Headers.ContentLength > Options.MaxResponseBytes)
            {
                throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, $"the response is larger than {Options.MaxResponseBytes} bytes");
            }

            return await ReadLimitedAsync(method, response.Content, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new JsonRpcException(JsonRpcErrorKind.Timeout, method, $"no answer from {Endpoint.Host}:{Endpoint.Port} within {Options.RequestTimeout.TotalSeconds:0.###} s", innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            var status = ex.StatusCode is { } s ? (int?)(int)s : null;
            throw new JsonRpcException(JsonRpcErrorKind.Transport, method, $"cannot reach {Endpoint.Host}:{Endpoint.Port}: {ex.Message}", httpStatus: status, innerException: ex);
        }
        catch (IOException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.Transport, method, $"connection to {Endpoint.Host}:{Endpoint.Port} failed: {ex.Message}", innerException: ex);
        }
    }

    private static async Task<string> ReadExcerptAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[200];
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
                return text.Length == 0 ? string.Empty : ": " + text;
            }
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private async Task<byte[]> ReadLimitedAsync(string method, HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > Options.MaxResponseBytes)
                {
                    throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, $"the response is larger than {Options.MaxResponseBytes} bytes");
                }

                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return buffer.ToArray();
        }
    }
}
