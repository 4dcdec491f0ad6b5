namespace PhalaWorker.Testing;

/// <summary>
/// The tests' one <see cref="IHttpClientFactory"/>: hands out clients over one handler (a real socket handler, or a fake
/// server at the HTTP edge), which it disposes with itself.
/// </summary>
public sealed class TestHttpClientFactory(HttpMessageHandler? handler = null) : IHttpClientFactory, IDisposable
{
    private readonly HttpMessageHandler _handler = handler ?? new SocketsHttpHandler();

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false);

    public void Dispose() => _handler.Dispose();
}
