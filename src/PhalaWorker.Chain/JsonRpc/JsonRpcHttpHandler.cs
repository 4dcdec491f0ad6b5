using System.Net.Http.Headers;
using System.Text.Json;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// The HTTP edge under Nethereum's <c>RpcClient</c>, where our guards hold whatever <see cref="IHttpClientFactory"/> the
/// host passes: each exchange goes out on the factory's named client (<see cref="EthJsonRpcClient.HttpClientName"/>),
/// bounded by <see cref="JsonRpcClientOptions.RequestTimeout"/> and the caller's cancellation (from
/// <see cref="JsonRpcCallContext"/>), and the answer is read here, up to <see cref="JsonRpcClientOptions.MaxResponseBytes"/>
/// and checked to be JSON of at most <see cref="JsonRpcClientOptions.MaxResponseTokens"/> tokens and 64 levels before
/// Nethereum's Newtonsoft reader (which reads unbounded, about 100 bytes of <c>JToken</c> per token) sees it.
/// Failures leave as classified <see cref="JsonRpcException"/>s.
/// </summary>
internal sealed class JsonRpcHttpHandler : HttpMessageHandler
{
    /// <summary>Nesting accepted in an answer: the default of System.Text.Json and of Newtonsoft.Json 13.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = MaxDepth };

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly Uri _endpoint;
    private readonly JsonRpcClientOptions _options;
    private readonly TimeProvider _timeProvider;

    public JsonRpcHttpHandler(IHttpClientFactory httpClientFactory, Uri endpoint, JsonRpcClientOptions options, TimeProvider timeProvider)
    {
        _httpClientFactory = httpClientFactory;
        _endpoint = endpoint;
        _options = options;
        _timeProvider = timeProvider;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = JsonRpcCallContext.Current;
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken, timeout.Token);
        try
        {
            // The outer client (Nethereum's) has marked its message as sent; the factory's client needs its own.
            using var forward = new HttpRequestMessage(request.Method, request.RequestUri)
            {
                Content = request.Content,
                Version = request.Version,
                VersionPolicy = request.VersionPolicy,
            };
            foreach (var header in request.Headers)
            {
                forward.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            var http = _httpClientFactory.CreateClient(EthJsonRpcClient.HttpClientName);
            using var response = await http.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // Rate limits and server errors are worth a retry; other statuses are not. A short excerpt of the body
                // (providers explain auth and quota errors there) makes the error actionable.
                var excerpt = await ReadExcerptAsync(response.Content, linked.Token).ConfigureAwait(false);
                throw new JsonRpcException(JsonRpcErrorKind.HttpStatus, call.Method, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}{excerpt}", httpStatus: (int)response.StatusCode);
            }

            if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
            {
                throw TooLarge(call.Method);
            }

            var (buffer, length) = await ReadLimitedAsync(call.Method, response.Content, linked.Token).ConfigureAwait(false);
            CheckJson(call.Method, buffer.AsSpan(0, length));
            var content = new ByteArrayContent(buffer, 0, length);
            content.Headers.ContentType = response.Content.Headers.ContentType ?? new MediaTypeHeaderValue("application/json");
            return new HttpResponseMessage(response.StatusCode) { Content = content, RequestMessage = request, Version = response.Version };
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !call.CancellationToken.IsCancellationRequested)
        {
            throw new JsonRpcException(JsonRpcErrorKind.Timeout, call.Method, $"no answer from {_endpoint.Host}:{_endpoint.Port} within {_options.RequestTimeout.TotalSeconds:0.###} s", innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            var status = ex.StatusCode is { } s ? (int?)(int)s : null;
            throw new JsonRpcException(JsonRpcErrorKind.Transport, call.Method, $"cannot reach {_endpoint.Host}:{_endpoint.Port}: {ex.Message}", httpStatus: status, innerException: ex);
        }
        catch (IOException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.Transport, call.Method, $"connection to {_endpoint.Host}:{_endpoint.Port} failed: {ex.Message}", innerException: ex);
        }
    }

    /// <summary>Valid JSON, at most <see cref="MaxDepth"/> deep and <see cref="JsonRpcClientOptions.MaxResponseTokens"/> tokens.</summary>
    private void CheckJson(string method, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, s_readerOptions);
        long tokens = 0;
        try
        {
            while (reader.Read())
            {
                if (++tokens > _options.MaxResponseTokens)
                {
                    throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, $"the response has more than {_options.MaxResponseTokens} JSON tokens");
                }
            }
        }
        catch (JsonException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the answer is not JSON: " + JsonRpcException.Excerpt(ex.Message), innerException: ex);
        }

        if (tokens == 0)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, "the answer is empty");
        }
    }

    private JsonRpcException TooLarge(string method) =>
        new(JsonRpcErrorKind.MalformedResponse, method, $"the response is larger than {_options.MaxResponseBytes} bytes");

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

    /// <summary>Reads the body, failing as soon as it passes the bound (it is never held whole when too large).</summary>
    private async Task<(byte[] Buffer, int Length)> ReadLimitedAsync(string method, HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[(int)Math.Min(content.Headers.ContentLength ?? 4096, _options.MaxResponseBytes) + 1];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > _options.MaxResponseBytes)
                    {
                        throw TooLarge(method);
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)_options.MaxResponseBytes + 1));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
    }
}
