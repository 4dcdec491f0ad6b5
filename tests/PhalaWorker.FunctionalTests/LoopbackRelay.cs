using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// What a host can put in front of a node, on a loopback port: a plain TCP relay to a target port that can be switched (a
/// different server at the endpoint), or a TLS terminator with its own certificate that re-encrypts to the target (a
/// man in the middle that sees every byte). Connections are copied both ways until either side closes.
/// </summary>
internal sealed class LoopbackRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly X509Certificate2? _terminatorCertificate;
    private volatile int _targetPort;

    private LoopbackRelay(int targetPort, X509Certificate2? terminatorCertificate)
    {
        _targetPort = targetPort;
        _terminatorCertificate = terminatorCertificate;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>The relay's endpoint (https://: the client speaks TLS to whatever answers here).</summary>
    public Uri Endpoint => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The terminator's own TLS key digest (SHA-256 of its SubjectPublicKeyInfo); null for a plain relay.</summary>
    public byte[]? TerminatorSpkiSha256 => _terminatorCertificate is null ? null : SHA256.HashData(_terminatorCertificate.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>A plain TCP relay: the client's TLS runs end to end with the target.</summary>
    public static LoopbackRelay Forward(Uri target) => new(target.Port, null);

    /// <summary>A TLS terminator: it answers with its own certificate (ALPN h2) and opens its own TLS connection to the target.</summary>
    public static LoopbackRelay Terminate(Uri target)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = new CertificateRequest("CN=phala-worker node (RA-TLS)", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UnixEpoch.AddYears(50), DateTimeOffset.UnixEpoch.AddYears(100));
        return new(target.Port, certificate);
    }

    /// <summary>
    /// Sends new connections to <paramref name="target"/> and drops the open ones, then gives the clients' connection pools a
    /// moment to read the close (a call racing the close would fail Unavailable instead of reconnecting, as against any
    /// server that just went away).
    /// </summary>
    public async Task SwitchToAsync(Uri target)
    {
        Retarget(target.Port);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
    }

    private void Retarget(int port)
    {
        _targetPort = port;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Retarget(1);
        _terminatorCertificate?.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => RelayAsync(inbound));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_connections)
        {
            _connections.Add(inbound);
            _connections.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            Stream client = inbound.GetStream();
            Stream server = outbound.GetStream();
            if (_terminatorCertificate is { } certificate)
            {
                var clientTls = new SslStream(client);
                await clientTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    EnabledSslProtocols = SslProtocols.Tls13,
                }, _stop.Token);
                var serverTls = new SslStream(server);
                await serverTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                }, _stop.Token);
                (client, server) = (clientTls, serverTls);
            }

            await Task.WhenAny(client.CopyToAsync(server, _stop.Token), server.CopyToAsync(client, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            // a side went away (or the client refused our certificate): close both
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
