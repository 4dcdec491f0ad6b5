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
/// <para>
/// A worker does not wait for its job's completion to be committed (at <see cref="JournalDurability.Strict"/> an fsync):
/// once the output is sealed and the receipt signed it hands the journal write to the writer's next group commit and
/// takes the next job. The job is published SUCCEEDED and its receipt handed to the poster only after that commit, so
/// nothing a client or the chain sees is ahead of the journal; at most <see cref="MaxPendingCommits"/> completions wait
/// for a commit at once, and <see cref="DrainAsync"/> waits for them as for running jobs.
/// </para>
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
    private readonly HashSet<Task> _committing = [];
    private readonly SemaphoreSlim _commitSlots = new(MaxPendingCommits, MaxPendingCommits);
    private bool _draining;

    /// <summary>Finished jobs at most waiting for their completion's commit at once (one writer group's worth).</summary>
    internal const int MaxPendingCommits = JobJournal.MaxGroup;

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
        await Task.WhenAll(Committing());
    }

    private Task[] Committing()
    {
        lock (_gate)
        {
            return [.. _committing];
        }
    }

    private async Task WorkAsync(CancellationToken intake, CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(intake))
            {
                // A slot for this job's completion commit, taken before the job: the worker waits here, not with a signed
                // result in hand, when MaxPendingCommits completions already wait for the writer.
                await _commitSlots.WaitAsync(intake);
                Task<Task> running;
                lock (_gate)
                {
                    // Checked under the lock so that a drain either sees this job as running or stops it from being taken.
                    if (_draining || !queue.Reader.TryRead(out var jobId))
                    {
                        _commitSlots.Release();
                        if (_draining)
                        {
                            return;
                        }

                        continue;
                    }

                    running = StartOneAsync(jobId, stoppingToken);
                    _running.Add(running);
                }

                Task? committing = null;
                try
                {
                    committing = await running;
                }
                finally
                {
                    lock (_gate)
                    {
                        _running.Remove(running);
                        if (committing is { IsCompleted: false })
                        {
                            _committing.Add(committing);
                        }
                    }

                    if (committing is { IsCompleted: false })
                    {
                        _ = committing.ContinueWith(EndCommit, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                    else
                    {
                        _commitSlots.Release();
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
        lock (_gate)
        {
            _draining = true;
        }

        await _intake.CancelAsync(); // wakes the workers waiting for the next job
        using var limit = new CancellationTokenSource(timeout, timeProvider);
        while (true)
        {
            // A job moves from _running to _committing under the lock, so a snapshot holds it in one or the other; with
            // _draining set no job is added, so the loop ends once both are empty.
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _running, .. _committing];
            }

            if (pending.Length == 0)
            {
                return true;
            }

            if (pending.All(static t => t.IsCompleted))
            {
                await Task.Yield(); // ended, not yet removed by its worker (a few instructions away)
                continue;
            }

            try
            {
                await Task.WhenAll(pending).WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception)
            {
                // the jobs' own outcomes are logged by StartOneAsync and CommitAsync
            }
        }
    }

    private void EndCommit(Task committing)
    {
        _ = committing.Exception; // observed: CommitAsync logged it
        lock (_gate)
        {
            _committing.Remove(committing);
        }

        _commitSlots.Release();
    }

    public override void Dispose()
    {
        _intake.Dispose();
        _commitSlots.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Runs one job up to its journal write; the returned task is that write's commit and what follows it (published
    /// SUCCEEDED, receipt to the poster), already completed for a job that failed or needed no write.
    /// </summary>
    internal async Task<Task> StartOneAsync(byte[] jobId, CancellationToken cancellationToken)
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
                return Task.CompletedTask;
            }

            if (record.NodeAddress is null || !record.NodeAddress.AsSpan().SequenceEqual(attestation.Address.AsSpan()))
            {
                await FailAsync(jobId, jobHex, ReasonCodes.Format(ReasonCodes.NodeKeyChanged, "the job was sealed to the node's previous identity; the node restarted with new keys"), null);
                return Task.CompletedTask;
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
            // Queued for the writer's next group commit before this returns, not waited for here (committed even if the node stops).
            return CommitAsync(jobId, sealedMessage.ToByteArray(), receipt.ToByteArray(), jobHex, started, data.OutputHash.ToString(), digest.ToString(), digestBytes);
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

        return Task.CompletedTask;
    }

    /// <summary>
    /// After the completion's commit: the job is SUCCEEDED for clients and its receipt goes to the poster. A commit that
    /// failed (the disk) fails the job, as a failed write in the worker did before.
    /// </summary>
    private async Task CommitAsync(byte[] jobId, byte[] sealedOutput, byte[] receipt, string jobHex, long started, string outputHash, string receiptDigest, byte[] digestBytes)
    {
        try
        {
            // The journal queues the write synchronously, before this method first yields.
            await journal.CompleteAsync(jobId, sealedOutput, receipt, digestBytes, CancellationToken.None);
        }
        catch (Exception ex)
        {
            AgentLog.JobCrashed(logger, jobHex, ex.GetType().FullName ?? "Exception", Environment.NewLine, ex.StackTrace);
            await FailAsync(jobId, jobHex, ReasonCodes.Format(ReasonCodes.Internal, "the node failed to journal the job's result"), null);
            return;
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        AgentLog.JobSucceeded(logger, jobHex, elapsedMs, outputHash, receiptDigest);
        AgentTelemetry.JobDuration.Record(elapsedMs / 1000.0);
        AgentTelemetry.JobsFinished.Add(1, new KeyValuePair<string, object?>("state", "succeeded"));
        Publish(jobId, JobState.Succeeded, "");
        poster.Add(jobId, digestBytes, timeProvider.GetUtcNow());
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
