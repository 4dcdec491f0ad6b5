using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>
/// A connection to one PhalaWorker node: thin, typed wrappers over the generated gRPC clients that turn
/// refusals into <see cref="WorkerClientException"/>s carrying the node's reason.
/// </summary>
public sealed class WorkerClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;

    /// <summary>Wraps an existing channel (e.g. one over a test server's handler).</summary>
    public WorkerClient(GrpcChannel channel, bool ownsChannel = false)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        _ownsChannel = ownsChannel;
        Attestation = new Protocol.V1.Attestation.AttestationClient(channel);
        Jobs = new Jobs.JobsClient(channel);
    }

    /// <summary>Connects to <paramref name="endpoint"/> (http:// for h2c, https:// for TLS).</summary>
    public static WorkerClient Connect(Uri endpoint, int maxMessageBytes = 64 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
        });
        return new WorkerClient(channel, ownsChannel: true);
    }

    public Uri Endpoint => new(_channel.Target.Contains("://", StringComparison.Ordinal) ? _channel.Target : "http://" + _channel.Target);

    public Protocol.V1.Attestation.AttestationClient Attestation { get; }

    public Jobs.JobsClient Jobs { get; }

    public Task<AttestationBundle> GetAttestationAsync(ReadOnlyMemory<byte> nonce, CancellationToken cancellationToken = default) =>
        CallAsync(() => Attestation.GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(nonce.Span) }, cancellationToken: cancellationToken).ResponseAsync);

    public Task<SubmitJobResponse> SubmitJobAsync(SubmitJobRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.SubmitJobAsync(request, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Uploads a sealed model (see <see cref="JobSubmitter"/>, which seals and references it).</summary>
    public Task<UploadModelResponse> UploadModelAsync(UploadModelRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.UploadModelAsync(request, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>The job's state and result; <paramref name="accessToken"/> is <c>JobSecrets.AccessToken(job_secret)</c>.</summary>
    public Task<JobResult> GetResultAsync(ReadOnlyMemory<byte> jobId, ReadOnlyMemory<byte> accessToken, CancellationToken cancellationToken = default) =>
        CallAsync(() => Jobs.GetResultAsync(new GetResultRequest { JobId = ByteString.CopyFrom(jobId.Span), AccessToken = ByteString.CopyFrom(accessToken.Span) },
            cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Streams the job's state changes until a terminal state; <paramref name="accessToken"/> as for <see cref="GetResultAsync"/>.</summary>
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
                throw Translate(ex);
            }

            yield return current;
        }
    }

    public void Dispose()
    {
        if (_ownsChannel)
        {
            _channel.Dispose();
        }
    }

    internal static WorkerClientException Translate(RpcException ex)
    {
        var reason = ex.Trailers.GetValue("phala-reason");
        var kind = ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown && reason is null
            ? WorkerClientErrorReason.Unreachable
            : WorkerClientErrorReason.Refused;
        return new WorkerClientException(kind, $"the node answered {ex.StatusCode}: {ex.Status.Detail}", ex)
        {
            RpcReason = reason,
            StatusCode = ex.StatusCode,
        };
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
        catch (HttpRequestException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.Unreachable, $"the node is unreachable: {ex.Message}", ex);
        }
    }
}
