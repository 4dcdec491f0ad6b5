using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Compute;
using PhalaWorker.Crypto;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Runs jobs from the <see cref="JobQueue"/> on <see cref="AgentOptions.EffectiveConcurrentJobs"/> workers: take the job
/// opened at SubmitJob (or, after a restart or when it did not fit in memory, open its journaled envelope), run the model
/// under the per-job wall-clock limit <see cref="AgentOptions.JobTimeout"/>, seal the output to the submitter's key, sign
/// the EIP-712 receipt (hashes salted with the job's receipt salt; the model enters by its content address, computed once
/// per model) with the node key, journal it and hand its digest to the <see cref="ResultPoster"/>. At start it re-queues
/// what the journal holds unfinished; a job accepted by a previous node identity fails with <c>NODE_KEY_CHANGED</c> without
/// being opened. A failure's public reason names no tensor, shape or operator; its detail is sealed to the submitter
/// inside <c>JobOutput.error</c>.
/// </summary>
internal sealed class JobRunner(
    NodeContext node,
    ChainBinding chain,
    JobJournal journal,
    JobQueue queue,
    JobEvents events,
    JobValidator validator,
    OpenedJobs opened,
    ComputeEngine engine,
    ResultPoster poster,
    IOptions<AgentOptions> options,
    TimeProvider timeProvider,
    ILogger<JobRunner> logger) : BackgroundService
{
    private readonly CancellationTokenSource _intake = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private bool _draining;

    /// <summary>Workers running jobs.</summary>
    public int Concurrency { get; } = options.Value.EffectiveConcurrentJobs(engine.BackendName);

    /// <summary>Jobs running now.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var intake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _intake.Token);
        AgentLog.RunnerStarted(logger, Concurrency, engine.BackendName, options.Value.JobTimeout, journal.Durability.ToString());
        var workers = new Task[Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync(intake.Token, stoppingToken);
        }

        try
        {
            // Receipts name the chain and registry: no job runs before registration settled them (the chain may be down at start).
            await chain.WaitSettledAsync(stoppingToken);
            // Workers run before the journal is replayed: more unfinished jobs than the queue holds must not block the start.
            var unfinished = await journal.GetUnfinishedAsync(stoppingToken);
            AgentLog.JournalOpened(logger, journal.Path, unfinished.Count);
            foreach (var jobId in unfinished)
            {
                await queue.RequeueAsync(jobId, intake.Token);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _intake.IsCancellationRequested)
        {
            // stopping before the replay finished: what was not re-queued is still journaled and re-runs at the next start
        }

        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken intake, CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(intake))
            {
                Task running;
                lock (_gate)
                {
                    // Checked under the lock so that a drain either sees this job as running or stops it from being taken.
                    if (_draining)
                    {
                        return;
                    }

                    if (!queue.Reader.TryRead(out var jobId))
                    {
                        continue;
                    }

                    running = RunOneAsync(jobId, stoppingToken);
                    _running.Add(running);
                }

                try
                {
                    await running;
                }
                finally
                {
                    lock (_gate)
                    {
                        _running.Remove(running);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _intake.IsCancellationRequested)
        {
            // normal stop (or drain): unfinished jobs stay queued/running in the journal and re-run at the next start
        }
    }

    /// <summary>
    /// Stops taking jobs from the queue and waits at most <paramref name="timeout"/> for the running ones; true when none is
    /// left running. A job still running afterwards stays RUNNING in the journal (cancelled when the runner stops).
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Task running;
        lock (_gate)
        {
            _draining = true;
            running = Task.WhenAll(_running);
        }

        await _intake.CancelAsync(); // wakes the workers waiting for the next job

        if (running.IsCompleted)
        {
            return true;
        }

        try
        {
            await running.WaitAsync(timeout, timeProvider);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception) when (running.IsCompleted)
        {
            return true; // the jobs' own outcomes are logged by RunOneAsync
        }
    }

    public override void Dispose()
    {
        _intake.Dispose();
        base.Dispose();
    }

    internal async Task RunOneAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        var jobHex = Convert.ToHexString(jobId).ToLowerInvariant();
        var attestation = node.Required;
        var job = opened.TryTake(jobId);
        SealedEnvelope? envelope = null;
        if (job is null)
        {
            // Not opened in this process (re-queued at start) or too large to keep opened: the journal has it.
            var record = await journal.GetAsync(jobId, cancellationToken);
            if (record is null || record.IsTerminal)
            {
                return;
            }

            if (record.NodeAddress is null || !record.NodeAddress.AsSpan().SequenceEqual(attestation.Address.AsSpan()))
            {
                await FailAsync(jobId, jobHex, ReasonCodes.Format(ReasonCodes.NodeKeyChanged, "the job was sealed to the node's previous identity; the node restarted with new keys"), null);
                return;
            }
        }

        using var activity = AgentTelemetry.ActivitySource.StartActivity("RunJob");
        activity?.SetTag("job.id", jobHex);
        // Not waited for: QUEUED and RUNNING re-run alike after a crash; the writer commits it before this job's outcome.
        _ = journal.MarkRunningAsync(jobId, CancellationToken.None);
        Publish(jobId, JobState.Running, "");
        AgentLog.JobStarted(logger, jobHex, engine.BackendName);
        var started = Stopwatch.GetTimestamp();
        var limit = options.Value.JobTimeout;
        using var deadline = new CancellationTokenSource(limit, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<ComputeResult>? compute = null;
        try
        {
            if (job is null)
            {
                var bytes = await journal.GetEnvelopeAsync(jobId, cancellationToken)
                    ?? throw new InvalidOperationException("an unfinished job has no journaled envelope");
                envelope = SealedEnvelope.Parser.ParseFrom(bytes);
                job = validator.OpenJob(attestation, jobId, envelope, EnvelopeSuite.Validate(envelope));
            }

            var request = job.Request;
            var salt = JobSecrets.ReceiptSalt(request.JobSecret.Span);
            var inputs = request.Inputs.Select(i => (i.Name, (ReadOnlyMemory<byte>)i.Tensor.Memory)).ToList();
            var model = job.Model;
            var token = linked.Token;
            compute = Task.Run(() => engine.Run(model, inputs, token), token);
            // The limit holds even for an operator that does not look at the token: the job is failed at the deadline, and
            // the worker waits for the computation to stop before taking the next job (the bound on concurrency holds).
            var result = await compute.WaitAsync(token);

            var output = new JobOutput { ComputeBackend = engine.BackendName };
            foreach (var (name, tensor) in result.Outputs)
            {
                output.Outputs.Add(new NamedTensor { Name = name, Tensor = ByteString.CopyFrom(tensor) });
            }

            var outputBytes = output.ToByteArray();
            var address = attestation.Address.ToArray();
            var sealedOutput = ResultEnvelope.Seal(request.ResultPublicKey.Span, jobId, address, outputBytes, job.Aead);
            CryptographicOperations.ZeroMemory(outputBytes);

            var data = new JobReceiptData(
                new Chain.Primitives.Hash32(jobId),
                JobReceiptHashes.Model(salt.AsSpan(), job.ModelId),
                ReceiptHashes.Tensors(salt, request.Inputs),
                ReceiptHashes.Tensors(salt, output.Outputs),
                attestation.QuoteHash,
                (ulong)timeProvider.GetUtcNow().ToUnixTimeSeconds(),
                engine.BackendName);
            var digest = JobReceiptTypedData.Digest(data, chain.ChainId, chain.Registry);
            var signature = JobReceiptTypedData.Sign(attestation.Signer, data, chain.ChainId, chain.Registry);
            var receipt = ReceiptMessages.ToMessage(data, chain.ChainId, chain.Registry, attestation.Address, signature);
            var sealedMessage = SealedEnvelopes.Create(sealedOutput, job.Aead);
            var digestBytes = digest.AsSpan().ToArray();
            await journal.CompleteAsync(jobId, sealedMessage.ToByteArray(), receipt.ToByteArray(), digestBytes, cancellationToken);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            AgentLog.JobSucceeded(logger, jobHex, elapsedMs, data.OutputHash.ToString(), digest.ToString());
            AgentTelemetry.JobDuration.Record(elapsedMs / 1000.0);
            AgentTelemetry.JobsFinished.Add(1, new KeyValuePair<string, object?>("state", "succeeded"));
            Publish(jobId, JobState.Succeeded, "");
            poster.Add(jobId, digestBytes, timeProvider.GetUtcNow());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // shutting down: the job stays RUNNING in the journal and re-runs at the next start
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            var reason = $"{ReasonCodes.JobTimeout}: the job ran longer than the node's limit of {limit.TotalSeconds:0.###} s (Agent:JobTimeout)";
            await FailAsync(jobId, jobHex, reason, SealFailure(job, jobId, attestation, reason));
        }
        catch (Exception ex) when (Describe(ex) is { } failure)
        {
            await FailAsync(jobId, jobHex, failure.Public, SealFailure(job, jobId, attestation, failure.Sealed));
        }
        catch (Exception ex)
        {
            AgentLog.JobCrashed(logger, jobHex, ex.GetType().FullName ?? "Exception", Environment.NewLine, ex.StackTrace);
            await FailAsync(jobId, jobHex, ReasonCodes.Format(ReasonCodes.Internal, "the node failed to run the job"), null);
        }
        finally
        {
            if (compute is not null)
            {
                // A computation still running past the deadline (or a stop) ends at its next cancellation check.
                await compute.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task FailAsync(byte[] jobId, string jobHex, string reason, byte[]? sealedError)
    {
        AgentLog.JobFailed(logger, jobHex, reason);
        AgentTelemetry.JobsFinished.Add(1, new KeyValuePair<string, object?>("state", "failed"));
        await journal.FailAsync(jobId, reason, CancellationToken.None, sealedError);
        Publish(jobId, JobState.Failed, reason);
    }

    /// <summary>The detailed failure sealed to the submitter's result key (null when the job never opened).</summary>
    private static byte[]? SealFailure(OpenedJob? job, byte[] jobId, NodeAttestation attestation, string detail)
    {
        if (job is null || job.Request.ResultPublicKey.Length != JobValidator.ResultKeyLength)
        {
            return null;
        }

        var output = new JobOutput { Error = detail }.ToByteArray();
        try
        {
            var sealedError = ResultEnvelope.Seal(job.Request.ResultPublicKey.Span, jobId, attestation.Address.ToArray(), output, job.Aead);
            return SealedEnvelopes.Create(sealedError, job.Aead).ToByteArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>
    /// An expected failure: the public reason (journal, logs, JobEvent.detail, JobResult.error: names nothing from inside
    /// the job) and the detail sealed to the submitter. Null for a bug.
    /// </summary>
    internal static (string Public, string Sealed)? Describe(Exception exception) => exception switch
    {
        RpcException rpc => (rpc.Status.Detail, rpc.Status.Detail),
        CryptoException crypto => (ReasonCodes.Format(ReasonCodes.NodeKeyChanged, $"the envelope no longer opens with this node's key ({crypto.Reason})"), crypto.Message),
        InvalidProtocolBufferException ex => (ReasonCodes.Format(ReasonCodes.MalformedProtobuf, "the job request does not parse"), ReasonCodes.Format(ReasonCodes.MalformedProtobuf, ex.Message)),
        ComputeException ex => Model(ex),
        _ => null,
    };

    private static (string Public, string Sealed) Model(ComputeException ex)
    {
        var reason = ReasonCodes.ModelPrefix + Grpc.StatusMappingInterceptor.ScreamingCase(ex.Reason.ToString());
        return (ReasonCodes.Format(reason, "the job failed while running (the detail is sealed to the submitter in the result)"), ReasonCodes.Format(reason, ex.Message));
    }

    private void Publish(byte[] jobId, JobState state, string detail) =>
        events.Publish(new JobEvent
        {
            JobId = ByteString.CopyFrom(jobId),
            State = state,
            AtUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
            Detail = detail,
        });
}
