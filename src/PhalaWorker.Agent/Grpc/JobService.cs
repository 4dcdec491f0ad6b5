using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// SubmitJob (idempotent on job id), WatchJob (stream of state changes) and GetResult. SubmitJob opens the envelope
/// once to refuse tampered, misaddressed or malformed jobs at once with a clear status; the work itself goes through
/// the bounded <see cref="JobQueue"/> to the <see cref="JobRunner"/>.
/// </summary>
internal sealed class JobService(
    NodeContext node,
    JobJournal journal,
    JobQueue queue,
    JobEvents events,
    JobValidator validator,
    TimeProvider timeProvider,
    ILogger<JobService> logger) : Protocol.V1.Jobs.JobsBase
{
    public const int JobIdLength = 32;

    public override async Task<SubmitJobResponse> SubmitJob(SubmitJobRequest request, ServerCallContext context)
    {
        using var activity = AgentTelemetry.ActivitySource.StartActivity("SubmitJob");
        var jobId = ValidateJobId(request.JobId);
        var aead = EnvelopeSuite.Validate(request.Envelope);
        var attestation = node.Required;

        // Opening proves the envelope is addressed to this node and untampered; the plaintext is dropped at once.
        validator.Validate(attestation, jobId, request.Envelope, aead);

        var envelopeBytes = request.Envelope.ToByteArray();
        var digest = SHA256.HashData(envelopeBytes);
        var jobHex = Convert.ToHexString(jobId).ToLowerInvariant();
        activity?.SetTag("job.id", jobHex);
        var outcome = await journal.TryAddAsync(jobId, envelopeBytes, digest, context.CancellationToken);
        switch (outcome.Disposition)
        {
            case SubmitDisposition.Duplicate:
                AgentLog.JobDuplicate(logger, jobHex, outcome.State.ToString());
                return new SubmitJobResponse { JobId = request.JobId, State = outcome.State, Duplicate = true };
            case SubmitDisposition.Conflict:
                AgentLog.JobConflict(logger, jobHex);
                RpcErrors.AlreadyExists("JOB_ID_IN_USE", $"job {jobHex} was already submitted with a different envelope");
                break;
        }

        if (!await queue.TryEnqueueAsync(jobId, context.CancellationToken))
        {
            await journal.RemoveQueuedAsync(jobId, CancellationToken.None);
            AgentLog.QueueFull(logger, queue.Capacity, jobHex);
            RpcErrors.ResourceExhausted("QUEUE_FULL", $"the node's job queue is full ({queue.Capacity}); retry later");
        }

        AgentLog.JobAccepted(logger, jobHex, Convert.ToHexString(digest).ToLowerInvariant());
        AgentTelemetry.JobsAccepted.Add(1);
        events.Publish(new JobEvent { JobId = request.JobId, State = JobState.Queued, AtUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() });
        return new SubmitJobResponse { JobId = request.JobId, State = JobState.Queued };
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responseStream, ServerCallContext context)
    {
        var jobId = ValidateJobId(request.JobId);
        using var subscription = events.Subscribe(jobId);
        var record = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
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

    public override async Task<JobResult> GetResult(GetResultRequest request, ServerCallContext context)
    {
        var jobId = ValidateJobId(request.JobId);
        var record = await journal.GetAsync(jobId, context.CancellationToken) ?? ThrowNotFound(jobId);
        var result = new JobResult { JobId = request.JobId, State = record.State };
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

    private static bool IsTerminal(JobState state) => state is JobState.Succeeded or JobState.Failed;

    private static byte[] ValidateJobId(ByteString jobId)
    {
        if (jobId.Length != JobIdLength)
        {
            RpcErrors.InvalidArgument("JOB_ID_LENGTH", $"job_id must be {JobIdLength} bytes, got {jobId.Length}");
        }

        return jobId.ToByteArray();
    }

    private static JobRecord ThrowNotFound(byte[] jobId)
    {
        RpcErrors.NotFound("JOB_NOT_FOUND", $"no job {Convert.ToHexString(jobId).ToLowerInvariant()} on this node");
        return null;
    }
}
