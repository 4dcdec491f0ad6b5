using System.Collections.Concurrent;
using Grpc.Core;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Client;

/// <summary>
/// One RunJobs call carrying many jobs (<see cref="WorkerClient.OpenJobStream"/>): <see cref="RunAsync"/> sends a sealed job
/// and completes with its answer once the job ended (or at once for a refusal, raised as the same
/// <see cref="WorkerClientException"/> SubmitJob would raise, or for a duplicate). Safe for concurrent callers: writes are
/// serialized, answers are matched to their jobs by job id. Once the call fails, every job waiting on it fails with that
/// error and <see cref="IsBroken"/> is true (open another).
/// </summary>
public sealed class JobStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<SubmitJobRequest, RunJobsResponse> _call;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunJobsResponse>> _pending = new(StringComparer.Ordinal);
    private readonly Task _reading;
    private volatile Exception? _failure;

    internal JobStream(AsyncDuplexStreamingCall<SubmitJobRequest, RunJobsResponse> call)
    {
        _call = call;
        _reading = ReadAsync();
    }

    /// <summary>True once the call failed or ended: jobs sent now would not be answered.</summary>
    public bool IsBroken => _failure is not null;

    /// <summary>Sends <paramref name="request"/> and waits for its answer (result, or <c>known</c> for a duplicate).</summary>
    /// <exception cref="WorkerClientException">The node refused the job, or the call failed.</exception>
    public async Task<RunJobsResponse> RunAsync(SubmitJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = Convert.ToHexString(request.JobId.Span);
        var answer = new TaskCompletionSource<RunJobsResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer))
        {
            throw new ArgumentException("a job with this id is already waiting on this stream", nameof(request));
        }

        try
        {
            if (_failure is { } failed)
            {
                throw failed;
            }

            await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // No token on the write itself: cancelling a write cancels the whole call, every other job's included.
                await _call.RequestStream.WriteAsync(request).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                // The node ended the call (e.g. MESSAGE_TOO_LARGE): its status, with the reason, comes on the read side.
                throw await CallEndedAsync(ex).ConfigureAwait(false);
            }
            finally
            {
                _writes.Release();
            }

            var response = await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (response.OutcomeCase == RunJobsResponse.OutcomeOneofCase.Refusal)
            {
                throw WorkerClient.Translate(JobRefusals.ToStatus(response.Refusal));
            }

            if (response.OutcomeCase == RunJobsResponse.OutcomeOneofCase.None)
            {
                throw new WorkerClientException(WorkerClientErrorReason.ResultInvalid, "the node answered a job on RunJobs with no outcome");
            }

            return response;
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, TaskCompletionSource<RunJobsResponse>>(key, answer));
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
            {
                if (_pending.TryGetValue(Convert.ToHexString(response.JobId.Span), out var waiting))
                {
                    waiting.TrySetResult(response);
                }
            }

            Fail(new WorkerClientException(WorkerClientErrorReason.Unreachable, "the node ended the RunJobs call"));
        }
        catch (RpcException ex)
        {
            Fail(WorkerClient.Translate(ex));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            Fail(new WorkerClientException(WorkerClientErrorReason.Unreachable, $"the RunJobs call failed: {ex.Message}", ex));
        }
    }

    private async Task<WorkerClientException> CallEndedAsync(Exception writeFailure)
    {
        try
        {
#pragma warning disable VSTHRD003 // the read loop was started by this instance; it ends with the call's status
            await _reading.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
#pragma warning restore VSTHRD003
        }
        catch (TimeoutException)
        {
            // no status came: report the write's own failure
        }

        return _failure as WorkerClientException ?? Fail(writeFailure is RpcException rpc
            ? WorkerClient.Translate(rpc)
            : new WorkerClientException(WorkerClientErrorReason.Unreachable, $"the RunJobs call failed: {writeFailure.Message}", writeFailure));
    }

    private WorkerClientException Fail(WorkerClientException failure)
    {
        _failure ??= failure;
        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(failure);
        }

        return failure;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or ObjectDisposedException)
        {
            // already ended
        }

        _call.Dispose();
#pragma warning disable VSTHRD003 // the read loop was started by this instance; waiting for it to see the call end
        await _reading.ConfigureAwait(false);
#pragma warning restore VSTHRD003
        _writes.Dispose();
    }
}
