namespace PhalaWorker.Chain.Tests.JsonRpc;

/// <summary>Hands out clients over one handler (a real socket handler, or a fake RPC at the HTTP edge).</summary>
internal sealed class TestHttpClientFactory(HttpMessageHandler? handler = null) : IHttpClientFactory, IDisposable
{
    private readonly HttpMessageHandler _handler = handler ?? new SocketsHttpHandler();

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false);

    public void Dispose() => _handler.Dispose();
}
