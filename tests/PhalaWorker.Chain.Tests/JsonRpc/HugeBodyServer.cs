using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PhalaWorker.Chain.Tests.JsonRpc;

/// <summary>
/// A hostile JSON-RPC endpoint on a real loopback socket: it answers every request with a body that never ends
/// (chunked, or announced by a huge Content-Length) and writes until the client hangs up or <see cref="MaxBytes"/>
/// is sent, counting what it sent. A client that reads unbounded makes it send everything.
/// </summary>
internal sealed class HugeBodyServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _announceLength;
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private long _bytesSent;

    public HugeBodyServer(bool announceLength, long maxBytes = 1L << 30)
    {
        _announceLength = announceLength;
        MaxBytes = maxBytes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public long MaxBytes { get; }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Body bytes written so far, over all connections.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Waits (bounded) until every connection served so far has ended (the client hung up or the cap was hit).</summary>
    public async Task WhenIdleAsync(TimeSpan timeout)
    {
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(timeout);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            await ReadRequestAsync(stream);
            var head = _announceLength
                ? $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {MaxBytes}\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'a');
            var prefix = Encoding.ASCII.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x");
            prefix.CopyTo(chunk, 0);
            var chunkHead = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n");
            var crlf = "\r\n"u8.ToArray();
            while (BytesSent < MaxBytes && !_stop.IsCancellationRequested)
            {
                if (!_announceLength)
                {
                    await stream.WriteAsync(chunkHead, _stop.Token);
                }

                await stream.WriteAsync(chunk, _stop.Token);
                if (!_announceLength)
                {
                    await stream.WriteAsync(crlf, _stop.Token);
                }

                Interlocked.Add(ref _bytesSent, chunk.Length);
                Array.Fill(chunk, (byte)'a', 0, prefix.Length);
            }
        }
        catch (IOException)
        {
            // The client hung up: what we wanted.
        }
        catch (SocketException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadRequestAsync(NetworkStream stream)
    {
        // Headers up to the blank line, then the body by its Content-Length (the client always sends one).
        var buffer = new byte[64 * 1024];
        var length = 0;
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer, length)) < 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), _stop.Token);
            if (read == 0)
            {
                throw new IOException("closed before the request");
            }

            length += read;
        }

        var headers = Encoding.ASCII.GetString(buffer, 0, headerEnd);
        var contentLength = headers.Split("\r\n")
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var bodyRead = length - (headerEnd + 4);
        while (bodyRead < contentLength)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                throw new IOException("closed during the request");
            }

            bodyRead += read;
        }
    }

    private static int IndexOfHeaderEnd(byte[] buffer, int length) =>
        buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
#pragma warning disable VSTHRD003 // our own accept loop, started in the constructor
        await _accepting;
#pragma warning restore VSTHRD003
        await WhenIdleAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
