using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Client;

/// <summary>
/// A connection to one PhalaWorker node: thin, typed wrappers over the generated gRPC clients that turn
/// refusals into <see cref="WorkerClientException"/>s carrying the node's reason. <see cref="Connect"/> to an
/// <c>https://</c> endpoint speaks RA-TLS: no CA validation, the presented key is recorded, and <see cref="NodeVerifier"/>
/// pins the attested key (<see cref="TlsPin"/>) before anything job-related is sent.
/// </summary>
public sealed class WorkerClient : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Uri? _endpoint;
    private readonly int _maxMessageBytes;
    private readonly bool _ownsChannel;
    private GrpcChannel _channel;
    private RaTlsPin? _pin;
    private Protocol.V1.Attestation.AttestationClient _attestation;
    private Jobs.JobsClient _jobs;

    /// <summary>
    /// Wraps an existing channel (e.g. one over a test server's handler). The SDK cannot see such a channel's TLS key, so
    /// <see cref="NodeVerifier"/> refuses to verify a node over it unless <see cref="NodeVerifierOptions.InsecureTransport"/>.
    /// </summary>
    public WorkerClient(GrpcChannel channel, bool ownsChannel = false)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        _ownsChannel = ownsChannel;
        _attestation = new Protocol.V1.Attestation.AttestationClient(channel);
        _jobs = new Jobs.JobsClient(channel);
        Transport = WorkerTransport.CallerProvided;
    }

    private WorkerClient(Uri endpoint, int maxMessageBytes)
    {
        _endpoint = endpoint;
        _maxMessageBytes = maxMessageBytes;
        _ownsChannel = true;
        Transport = endpoint.Scheme == Uri.UriSchemeHttps ? WorkerTransport.RaTls : WorkerTransport.Plaintext;
        (_channel, _pin) = Open();
        _attestation = new Protocol.V1.Attestation.AttestationClient(_channel);
        _jobs = new Jobs.JobsClient(_channel);
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/>: <c>https://</c> for RA-TLS (TLS 1.3, no CA validation, the key pinned from the
    /// attestation by <see cref="NodeVerifier"/>), <c>http://</c> for cleartext h2c (refused by default verifiers).
    /// </summary>
    public static WorkerClient Connect(Uri endpoint, int maxMessageBytes = 64 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"'{endpoint}' is not an https:// (RA-TLS) or http:// endpoint", nameof(endpoint));
        }

        return new WorkerClient(endpoint, maxMessageBytes);
    }

    public Uri Endpoint => _endpoint ?? new(_channel.Target.Contains("://", StringComparison.Ordinal) ? _channel.Target : "http://" + _channel.Target);

    /// <summary>How this client reaches the node: RA-TLS, cleartext, or a channel the caller made.</summary>
    public WorkerTransport Transport { get; }

    /// <summary>The RA-TLS pin of the current connection pool; null unless <see cref="Transport"/> is <see cref="WorkerTransport.RaTls"/>.</summary>
    public RaTlsPin? TlsPin
    {
        get
        {
            lock (_gate)
            {
                return _pin;
            }
        }
    }

    public Protocol.V1.Attestation.AttestationClient Attestation
    {
        get
        {
            lock (_gate)
            {
                return _attestation;
            }
        }
    }

    public Jobs.JobsClient Jobs
    {
        get
        {
            lock (_gate)
            {
                return _jobs;
            }
        }
    }

    public Task<AttestationBundle> GetAttestationAsync(ReadOnlyMemory<byte> nonce, CancellationToken cancellationToken = default) =>
        CallAsync(() => Attestation.GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(nonce.Span) }, cancellationToken: cancellationToken).ResponseAsync);

    public Task<SubmitJobResponse> SubmitJobAsync(SubmitJobRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.SubmitJobAsync(request, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>
    /// Opens a RunJobs call: many jobs on one call, each answered once it ended (see <see cref="JobStream"/>; what
    /// <see cref="JobSubmitter"/> uses with <see cref="JobSubmitterOptions.StreamJobs"/>).
    /// </summary>
    public JobStream OpenJobStream() => new(Jobs.RunJobs());

    /// <summary>Uploads a sealed model (see <see cref="JobSubmitter"/>, which seals and references it).</summary>
    public Task<UploadModelResponse> UploadModelAsync(UploadModelRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.UploadModelAsync(request, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>The job's state and result; <paramref name="accessToken"/> is <c>JobSecrets.AccessToken(job_secret)</c>.</summary>
    public Task<JobResult> GetResultAsync(ReadOnlyMemory<byte> jobId, ReadOnlyMemory<byte> accessToken, CancellationToken cancellationToken = default) =>
        GetResultAsync(jobId, accessToken, waitForEnd: false, cancellationToken);

    /// <summary>
    /// The job's result; with <paramref name="waitForEnd"/> the node answers once the job has ended (<c>wait_for_end</c>):
    /// one call instead of <see cref="WatchJobAsync"/> then GetResult. A node at its watcher limits, or one from before the
    /// field, answers at once: a state that is not terminal then means "watch or poll".
    /// </summary>
    public Task<JobResult> GetResultAsync(ReadOnlyMemory<byte> jobId, ReadOnlyMemory<byte> accessToken, bool waitForEnd, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.GetResultAsync(
            new GetResultRequest { JobId = ByteString.CopyFrom(jobId.Span), AccessToken = ByteString.CopyFrom(accessToken.Span), WaitForEnd = waitForEnd },
            cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Streams the job's state changes until a terminal state; <paramref name="accessToken"/> as for <see cref="GetResultAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    public async IAsyncEnumerable<JobEvent> WatchJobAsync(ReadOnlyMemory<byte> jobId, ReadOnlyMemory<byte> accessToken,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = Jobs.WatchJob(new WatchJobRequest { JobId = ByteString.CopyFrom(jobId.Span), AccessToken = ByteString.CopyFrom(accessToken.Span) },
            cancellationToken: cancellationToken);
        while (true)
        {
            JobEvent current;
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                current = call.ResponseStream.Current;
            }
            catch (RpcException ex)
            {
                throw PinRefusal(ex) ?? Translate(ex);
            }

            yield return current;
        }
    }

    public void Dispose()
    {
        if (_ownsChannel)
        {
            lock (_gate)
            {
                _channel.Dispose();
            }
        }
    }

    /// <summary>
    /// For an RA-TLS client, replaces the connection pool with a fresh, unpinned one and returns its pin: verification must see
    /// every key the pool's connections present (a pooled connection from an earlier verification could otherwise carry
    /// another key unseen), and a node that restarted presents a new key that the old pin refuses. Calls in flight on the
    /// old pool fail. Null for other transports.
    /// </summary>
    internal RaTlsPin? BeginVerification()
    {
        if (Transport != WorkerTransport.RaTls)
        {
            return null;
        }

        GrpcChannel old;
        RaTlsPin pin;
        lock (_gate)
        {
            old = _channel;
            (_channel, _pin) = Open();
            _attestation = new Protocol.V1.Attestation.AttestationClient(_channel);
            _jobs = new Jobs.JobsClient(_channel);
            pin = _pin!;
        }

        old.Dispose();
        return pin;
    }

    private (GrpcChannel Channel, RaTlsPin? Pin) Open()
    {
        var endpoint = _endpoint!;
        var options = new GrpcChannelOptions
        {
            MaxReceiveMessageSize = _maxMessageBytes,
            MaxSendMessageSize = _maxMessageBytes,
        };
        if (Transport != WorkerTransport.RaTls)
        {
            return (GrpcChannel.ForAddress(endpoint, options), null);
        }

        var pin = new RaTlsPin();
        options.HttpHandler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
                RemoteCertificateValidationCallback = pin.Validate,
                ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2],
            },
            // Past the server's 100 concurrent streams per connection (Kestrel's default), more connections are opened
            // instead of queueing calls; each one's handshake goes through the same pin (refused unless the pinned key).
            EnableMultipleHttp2Connections = true,
        };
        options.DisposeHttpClient = true;
        return (GrpcChannel.ForAddress(endpoint, options), pin);
    }

    /// <summary>The refusal of a handshake whose key is not the pinned one, when that is why a call failed.</summary>
    private WorkerClientException? PinRefusal(Exception ex)
    {
        var pin = TlsPin;
        if (pin?.TakeRefused() is not { } presented || pin.PinnedSpkiSha256 is not { } pinned)
        {
            return null;
        }

        return new WorkerClientException(WorkerClientErrorReason.TlsKeyMismatch,
            $"the endpoint {Endpoint} presented TLS key {RaTlsBinding.Format(presented)}, not the attested key {RaTlsBinding.Format(pinned)} pinned when the node was verified: " +
            "refusing (a TLS terminator or another server answers there, or the node restarted with new keys and must be verified again)", ex);
    }

    internal static WorkerClientException Translate(RpcException ex)
    {
        var reason = ex.Trailers.GetValue(ReasonCodes.Trailer);
        var kind = ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown && reason is null
            ? WorkerClientErrorReason.Unreachable
            : WorkerClientErrorReason.Refused;
        return new WorkerClientException(kind, $"the node answered {ex.StatusCode}: {ex.Status.Detail}", ex)
        {
            RpcReason = reason,
            StatusCode = ex.StatusCode,
        };
    }

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw PinRefusal(ex) ?? Translate(ex);
        }
        catch (HttpRequestException ex)
        {
            throw PinRefusal(ex) ?? new WorkerClientException(WorkerClientErrorReason.Unreachable, $"the node is unreachable: {ex.Message}", ex);
        }
    }
}

/// <summary>How a <see cref="WorkerClient"/> reaches its node.</summary>
public enum WorkerTransport
{
    /// <summary>TLS 1.3 to an <c>https://</c> endpoint, the key pinned from the node's attestation.</summary>
    RaTls,

    /// <summary>Cleartext h2c to an <c>http://</c> endpoint: job ids, sizes and timing are visible on the wire.</summary>
    Plaintext,

    /// <summary>A channel the caller made (<see cref="WorkerClient(GrpcChannel, bool)"/>): the SDK cannot see its TLS key.</summary>
    CallerProvided,
}
