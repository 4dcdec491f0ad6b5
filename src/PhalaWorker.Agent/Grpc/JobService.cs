using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// SubmitJob (idempotent on job id), WatchJob (stream of state changes), GetResult (at once, or with <c>wait_for_end</c> once
/// the job ended) and UploadModel. SubmitJob first answers
/// a job id the journal knows from the journal (a job sealed to a previous node identity gets <c>NODE_KEY_CHANGED</c>), then
/// opens the envelope — once, on the bounded <see cref="JobIntake"/> — to refuse tampered, misaddressed or malformed jobs
/// and jobs naming a model the node does not hold at once with a clear status; the opened job is kept in memory for the
/// <see cref="JobRunner"/> and its id goes through the bounded <see cref="JobQueue"/>. WatchJob and GetResult answer only the
/// holder of the job's access token (derived from the job secret inside the envelope; the journal keeps its hash).
/// </summary>
[global::Grpc.Core.BindServiceMethod(typeof(ReasonedServiceBinder), nameof(ReasonedServiceBinder.BindJobs))] // unparsable requests: MALFORMED_PROTOBUF
internal sealed class JobService(
    NodeContext node,
    JobJournal journal,
    JobQueue queue,
    JobEvents events,
    JobValidator validator,
    JobIntake intake,
    OpenedJobs opened,
    ModelStore models,
    NodeDrain drain,
    Registry.ChainBinding chain,
    Limits.SubmitRateLimiter submitRate,
    TimeProvider timeProvider,
    ILogger<JobService> logger) : Protocol.V1.Jobs.JobsBase
{
    public const int JobIdLength = EnvelopeFormat.JobIdLength;

    public override Task<SubmitJobResponse> SubmitJob(SubmitJobRequest request, ServerCallContext context) =>
        AcceptAsync(request, context.CancellationToken);

    /// <summary>
    /// RunJobs: each job sent is accepted as SubmitJob accepts it (its own submit token, the same refusals) and answered once
    /// it ended, or at once with its refusal or as a duplicate; at most <see cref="LimitsOptions.MaxJobsPerStream"/> jobs of
    /// the call are unanswered at once (the next message is read only then). Answers go out in the order jobs end, written
    /// by one loop (a stream writer takes one write at a time). The call ends once the client half-closed and every job was
    /// answered; cancelled by the client, its accepted jobs still run and keep their results for GetResult.
    /// </summary>
    public override async Task RunJobs(IAsyncStreamReader<SubmitJobRequest> requestStream, IServerStreamWriter<RunJobsResponse> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        var client = ClientKey.Of(context.GetHttpContext().Connection.RemoteIpAddress, submitRate.Limits.Ipv6PrefixLength);
        using var slots = new SemaphoreSlim(submitRate.Limits.MaxJobsPerStream, submitRate.Limits.MaxJobsPerStream);
        // Bounded like the jobs: a client that stops reading stops the node reading its jobs (nothing piles up).
        var answers = Channel.CreateBounded<RunJobsResponse>(new BoundedChannelOptions(submitRate.Limits.MaxJobsPerStream) { SingleReader = true });
        var writing = WriteAnswersAsync(answers.Reader, responseStream, cancellation);
        var open = 1; // the reader's own count; each job adds one, and whoever brings it to zero completes the answers
        void Answered()
        {
            if (Interlocked.Decrement(ref open) == 0)
            {
                answers.Writer.TryComplete();
            }
        }

        var first = true;
        try
        {
            while (true)
            {
                await slots.WaitAsync(cancellation);
                if (!await requestStream.MoveNext(cancellation))
                {
                    break;
                }

                var request = requestStream.Current;
                // The call itself spent the first job's token in the middleware, as a SubmitJob call does.
                if (!first && !await SpendSubmitTokenAsync(client, request, answers.Writer, cancellation))
                {
                    slots.Release();
                    continue;
                }

                first = false;
                Interlocked.Increment(ref open);
                _ = RunStreamedAsync(request, answers.Writer, context).ContinueWith(
                    _ =>
                    {
                        slots.Release();
                        Answered();
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch
        {
            answers.Writer.TryComplete();
            throw;
        }

        Answered();
        await writing;
    }

    private async Task<bool> SpendSubmitTokenAsync(string client, SubmitJobRequest request, ChannelWriter<RunJobsResponse> answers, CancellationToken cancellationToken)
    {
        using var lease = submitRate.TryAcquire(client);
        if (lease.IsAcquired)
        {
            return true;
        }

        var wait = lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Limits.RequestLimiter.ReplenishmentPeriod;
        var waitMs = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds));
        AgentLog.CallLimited(logger, Limits.RequestLimiter.RunJobsPath, client, ReasonCodes.RateLimited, waitMs);
        var refusal = RpcErrors.Create(StatusCode.ResourceExhausted, ReasonCodes.RateLimited, $"too many jobs from this client; retry after {waitMs} ms");
        await answers.WriteAsync(new RunJobsResponse { JobId = request.JobId, Refusal = JobRefusals.FromStatus(refusal) }, cancellationToken);
        return false;
    }

    private async Task RunStreamedAsync(SubmitJobRequest request, ChannelWriter<RunJobsResponse> answers, ServerCallContext context)
    {
        RunJobsResponse answer;
        try
        {
            var jobId = ValidateJobId(request.JobId);
            // Subscribed before the job is accepted, so that its end is not missed however fast it runs.
            using var subscription = events.SubscribeStreamed(jobId);
            var accepted = await AcceptAsync(request, context.CancellationToken);
            if (accepted.Duplicate)
            {
                answer = new RunJobsResponse { JobId = request.JobId, Known = accepted };
            }
            else
            {
                var current = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
                while (!current.IsTerminal)
                {
                    var next = await subscription.Reader.ReadAsync(context.CancellationToken);
                    if (IsTerminal(next.State))
                    {
                        // The runner publishes the end after the journal committed it: the record now holds the result.
                        current = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
                    }
                }

                answer = new RunJobsResponse { JobId = request.JobId, Result = ToResult(request.JobId, current) };
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return; // the call is gone; an accepted job runs on and keeps its result for GetResult
        }
        catch (Exception ex)
        {
            var refusal = StatusMappingInterceptor.MapForMessage(ex, context, logger);
            answer = new RunJobsResponse { JobId = request.JobId, Refusal = JobRefusals.FromStatus(refusal) };
        }

        try
        {
            await answers.WriteAsync(answer, context.CancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // the call ended (cancelled, or its request stream failed): nobody reads this answer; GetResult still does
        }
    }

    private static async Task WriteAnswersAsync(ChannelReader<RunJobsResponse> answers, IServerStreamWriter<RunJobsResponse> responseStream, CancellationToken cancellationToken)
    {
        await foreach (var answer in answers.ReadAllAsync(cancellationToken))
        {
            await responseStream.WriteAsync(answer, cancellationToken);
        }
    }

    /// <summary>SubmitJob's acceptance, shared by SubmitJob and each job of a RunJobs call.</summary>
    private async Task<SubmitJobResponse> AcceptAsync(SubmitJobRequest request, CancellationToken cancellationToken)
    {
        using var activity = AgentTelemetry.ActivitySource.StartActivity("SubmitJob");
        var jobId = ValidateJobId(request.JobId);
        if (drain.IsStopping)
        {
            AgentLog.SubmitWhileStopping(logger, Convert.ToHexString(jobId).ToLowerInvariant());
            RpcErrors.Unavailable(ReasonCodes.NodeStopping, "the node is stopping and accepts no new job; submit to another node");
        }

        if (!chain.IsSettled)
        {
            RpcErrors.Unavailable(ReasonCodes.NotRegistered, "the node is not registered on chain yet (the chain may be unreachable; see /healthz/ready); retry later");
        }

        var aead = EnvelopeSuite.Validate(request.Envelope);
        var attestation = node.Required;
        var envelopeBytes = request.Envelope.ToByteArray();
        var digest = SHA256.HashData(envelopeBytes);
        var jobHex = Convert.ToHexString(jobId).ToLowerInvariant();
        activity?.SetTag("job.id", jobHex);
        var address = attestation.Address.ToArray();

        // A job id the journal knows is answered from the journal, before the envelope is opened: after a restart the
        // node has a new identity and a job sealed to the previous one would only fail to decrypt.
        var known = await journal.GetAsync(jobId, cancellationToken);
        if (known is not null)
        {
            return AnswerKnown(request, known, digest, address, jobHex);
        }

        // Opening proves the envelope is addressed to this node and untampered; the opened job stays in the TD's memory only.
        var envelope = request.Envelope;
        var job = await intake.RunAsync(() => validator.OpenJob(attestation, jobId, envelope, aead), cancellationToken);

        // Not cancelled with the call: once journaled, a job is queued (or removed again), whatever the client does.
        var outcome = await journal.TryAddAsync(jobId, envelopeBytes, digest, address, job.AccessTokenHash, CancellationToken.None);
        switch (outcome.Disposition)
        {
            case SubmitDisposition.Duplicate:
                AgentLog.JobDuplicate(logger, jobHex, outcome.State.ToString());
                return new SubmitJobResponse { JobId = request.JobId, State = outcome.State, Duplicate = true };
            case SubmitDisposition.Conflict:
                AgentLog.JobConflict(logger, jobHex);
                RpcErrors.AlreadyExists(ReasonCodes.JobIdInUse, $"job {jobHex} was already submitted with a different envelope");
                break;
        }

        var kept = opened.TryAdd(job);
        if (!await queue.TryEnqueueAsync(jobId, CancellationToken.None))
        {
            if (kept)
            {
                opened.TryTake(jobId);
            }

            await journal.RemoveQueuedAsync(jobId, CancellationToken.None);
            AgentLog.QueueFull(logger, queue.Capacity, jobHex);
            RpcErrors.ResourceExhausted(ReasonCodes.QueueFull, $"the node's job queue is full ({queue.Capacity}); retry later");
        }

        AgentLog.JobAccepted(logger, jobHex, Convert.ToHexString(digest).ToLowerInvariant());
        AgentTelemetry.JobsAccepted.Add(1);
        events.Publish(new JobEvent { JobId = request.JobId, State = JobState.Queued, AtUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() });
        return new SubmitJobResponse { JobId = request.JobId, State = JobState.Queued };
    }

    public override async Task<UploadModelResponse> UploadModel(UploadModelRequest request, ServerCallContext context)
    {
        if (request.UploadId.Length != JobValidator.UploadIdLength)
        {
            RpcErrors.InvalidArgument(ReasonCodes.UploadIdLength, $"upload_id must be {JobValidator.UploadIdLength} bytes, got {request.UploadId.Length}");
        }

        if (drain.IsStopping)
        {
            RpcErrors.Unavailable(ReasonCodes.NodeStopping, "the node is stopping and accepts no new model; upload to another node");
        }

        var aead = EnvelopeSuite.Validate(request.Envelope);
        var attestation = node.Required;
        var uploadId = request.UploadId.ToByteArray();
        var envelope = request.Envelope;
        var modelId = await intake.RunAsync(() => validator.Upload(attestation, uploadId, envelope, aead), context.CancellationToken);
        // Nothing about the model itself is logged (not even its hash: receipts are salted so that it stays unconfirmable).
        _ = modelId;
        AgentLog.ModelUploaded(logger, models.Count);
        return new UploadModelResponse();
    }

    private SubmitJobResponse AnswerKnown(SubmitJobRequest request, JobRecord known, byte[] digest, byte[] address, string jobHex)
    {
        // A finished job keeps its result and its receipt (signed by the identity that ran it); anything else accepted by a
        // previous identity can no longer be opened here, whatever envelope comes with its id now.
        if (known.State != JobState.Succeeded && (known.NodeAddress is null || !known.NodeAddress.AsSpan().SequenceEqual(address)))
        {
            var previous = known.NodeAddress is { Length: 20 } ? new Chain.Primitives.EthAddress(known.NodeAddress).ToString() : "unknown";
            AgentLog.NodeKeyChanged(logger, jobHex, previous);
            RpcErrors.FailedPrecondition(ReasonCodes.NodeKeyChanged,
                $"job {jobHex} was sealed to the node's previous identity {previous}; the node restarted with new keys: verify it again and submit a new job");
        }

        if (!known.EnvelopeDigest.AsSpan().SequenceEqual(digest))
        {
            AgentLog.JobConflict(logger, jobHex);
            RpcErrors.AlreadyExists(ReasonCodes.JobIdInUse, $"job {jobHex} was already submitted with a different envelope");
        }

        AgentLog.JobDuplicate(logger, jobHex, known.State.ToString());
        return new SubmitJobResponse { JobId = request.JobId, State = known.State, Duplicate = true };
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responseStream, ServerCallContext context)
    {
        var jobId = ValidateJobId(request.JobId);
        var record = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
        CheckAccess(record, request.AccessToken, "WatchJob");
        using var subscription = Subscribe(jobId);
        record = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
        var current = new JobEvent { JobId = request.JobId, State = record.State, AtUnixMs = record.UpdatedAtUnixMs, Detail = record.Detail ?? "" };
        await responseStream.WriteAsync(current, context.CancellationToken);
        var last = record.State;
        while (!IsTerminal(last))
        {
            var next = await subscription.Reader.ReadAsync(context.CancellationToken);
            if (next.State <= last && next.State != JobState.Failed)
            {
                continue; // an older event raced with the journal read
            }

            await responseStream.WriteAsync(next, context.CancellationToken);
            last = next.State;
        }
    }

    /// <summary>Subscribes to a job's events within the watcher bounds (<see cref="Limits.LimitsOptions"/>), or refuses.</summary>
    private JobEvents.Subscription Subscribe(byte[] jobId)
    {
        var subscription = events.TrySubscribe(jobId, out var refusal);
        if (subscription is null)
        {
            var jobHex = Convert.ToHexString(jobId).ToLowerInvariant();
            if (refusal == JobEvents.WatchRefusal.JobLimit)
            {
                AgentLog.WatchLimited(logger, jobHex, ReasonCodes.WatchLimitPerJob);
                RpcErrors.ResourceExhausted(ReasonCodes.WatchLimitPerJob, $"job {jobHex} has as many WatchJob streams open as one job may; close one or poll GetResult");
            }

            AgentLog.WatchLimited(logger, jobHex, ReasonCodes.WatchLimitTotal);
            RpcErrors.ResourceExhausted(ReasonCodes.WatchLimitTotal, "the node has as many WatchJob streams open as it may; retry later or poll GetResult");
        }

        return subscription;
    }

    public override async Task<JobResult> GetResult(GetResultRequest request, ServerCallContext context)
    {
        var jobId = ValidateJobId(request.JobId);
        if (!request.WaitForEnd)
        {
            var record = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
            CheckAccess(record, request.AccessToken, "GetResult");
            return ToResult(request.JobId, record);
        }

        // wait_for_end: subscribed before the journal is read, so an end between the read and the wait is not missed; the
        // waiting call counts against the WatchJob limits, and a node at them answers at once (the client watches or polls).
        using var subscription = events.TrySubscribe(jobId, out _);
        var current = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
        CheckAccess(current, request.AccessToken, "GetResult");
        if (subscription is not null)
        {
            while (!current.IsTerminal)
            {
                var next = await subscription.Reader.ReadAsync(context.CancellationToken);
                if (IsTerminal(next.State))
                {
                    // The runner publishes the end after the journal committed it: the record now holds the result.
                    current = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
                }
            }
        }

        return ToResult(request.JobId, current);
    }

    private static JobResult ToResult(ByteString jobId, JobRecord record)
    {
        var result = new JobResult { JobId = jobId, State = record.State };
        if (record.State == JobState.Failed)
        {
            result.Error = record.Detail ?? "";
        }

        if (record.SealedOutput is not null)
        {
            result.SealedOutput = SealedEnvelope.Parser.ParseFrom(record.SealedOutput);
        }

        if (record.Receipt is not null)
        {
            result.Receipt = Receipt.Parser.ParseFrom(record.Receipt);
        }

        if (record.Inclusion is not null)
        {
            result.Inclusion = InclusionProof.Parser.ParseFrom(record.Inclusion);
        }

        return result;
    }

    /// <summary>Only the submitter (who knows the job secret) may read a job's state, events and result.</summary>
    private void CheckAccess(JobRecord record, ByteString accessToken, string method)
    {
        var jobHex = Convert.ToHexString(record.JobId).ToLowerInvariant();
        if (accessToken.IsEmpty)
        {
            AgentLog.AccessDenied(logger, method, jobHex, ReasonCodes.AccessTokenMissing);
            RpcErrors.PermissionDenied(ReasonCodes.AccessTokenMissing, $"{method} needs the job's access_token (derived from its job_secret)");
        }

        if (record.AccessTokenHash is null || !JobSecrets.Matches(accessToken.Span, record.AccessTokenHash))
        {
            AgentLog.AccessDenied(logger, method, jobHex, ReasonCodes.AccessDenied);
            RpcErrors.PermissionDenied(ReasonCodes.AccessDenied, $"the access_token is not the one of job {jobHex}");
        }
    }

    private static bool IsTerminal(JobState state) => state is JobState.Succeeded or JobState.Failed;

    private static byte[] ValidateJobId(ByteString jobId)
    {
        if (jobId.Length != JobIdLength)
        {
            RpcErrors.InvalidArgument(ReasonCodes.JobIdLength, $"job_id must be {JobIdLength} bytes, got {jobId.Length}");
        }

        return jobId.ToByteArray();
    }

    private static JobRecord ThrowNotFound(byte[] jobId)
    {
        RpcErrors.NotFound(ReasonCodes.JobNotFound, $"no job {Convert.ToHexString(jobId).ToLowerInvariant()} on this node");
        return null;
    }
}
