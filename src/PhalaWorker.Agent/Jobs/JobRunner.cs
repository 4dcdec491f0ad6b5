using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Compute;
using PhalaWorker.Crypto;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Runs jobs one at a time from the <see cref="JobQueue"/>: open the envelope, run the model, seal the output to the
/// submitter's key, sign the EIP-712 receipt with the node key, journal it and hand its digest to the <see cref="ResultPoster"/>.
/// At start it re-queues what the journal holds unfinished.
/// </summary>
internal sealed class JobRunner(
    NodeContext node,
    ChainBinding chain,
    JobJournal journal,
    JobQueue queue,
    JobEvents events,
    JobValidator validator,
    ComputeEngine engine,
    ResultPoster poster,
    TimeProvider timeProvider,
    ILogger<JobRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var unfinished = await journal.GetUnfinishedAsync(stoppingToken);
            AgentLog.JournalOpened(logger, journal.Path, unfinished.Count);
            foreach (var jobId in unfinished)
            {
                await queue.RequeueAsync(jobId, stoppingToken);
            }

            await foreach (var jobId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await RunOneAsync(jobId, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop: unfinished jobs stay queued/running in the journal and re-run at the next start
        }
    }

    internal async Task RunOneAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        var jobHex = Convert.ToHexString(jobId).ToLowerInvariant();
        var record = await journal.GetAsync(jobId, cancellationToken);
        if (record is null || record.IsTerminal)
        {
            return;
        }

        using var activity = AgentTelemetry.ActivitySource.StartActivity("RunJob");
        activity?.SetTag("job.id", jobHex);
        var attestation = node.Required;
        await journal.MarkRunningAsync(jobId, cancellationToken);
        Publish(jobId, JobState.Running, "");
        AgentLog.JobStarted(logger, jobHex, engine.BackendName);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var envelope = SealedEnvelope.Parser.ParseFrom(record.Envelope);
            var aead = EnvelopeSuite.Validate(envelope);
            var request = validator.Open(attestation, jobId, envelope, aead);

            var inputs = request.Inputs.Select(i => (i.Name, (ReadOnlyMemory<byte>)i.Tensor.Memory)).ToList();
            var model = request.Model.Memory;
            var result = await Task.Run(() => engine.Run(model.Span, inputs, cancellationToken), cancellationToken);

            var output = new JobOutput { ComputeBackend = engine.BackendName };
            foreach (var (name, tensor) in result.Outputs)
            {
                output.Outputs.Add(new NamedTensor { Name = name, Tensor = ByteString.CopyFrom(tensor) });
            }

            var outputBytes = output.ToByteArray();
            var address = attestation.Address.ToArray();
            var sealedOutput = ResultEnvelope.Seal(request.ResultPublicKey.Span, jobId, address, outputBytes, aead);
            CryptographicOperations.ZeroMemory(outputBytes);

            var data = new JobReceiptData(
                new Chain.Primitives.Hash32(jobId),
                Chain.Primitives.Keccak256.Hash(request.Model.Span),
                ReceiptHashes.Tensors(request.Inputs),
                ReceiptHashes.Tensors(output.Outputs),
                attestation.QuoteHash,
                (ulong)timeProvider.GetUtcNow().ToUnixTimeSeconds(),
                engine.BackendName);
            var digest = JobReceiptTypedData.Digest(data, chain.ChainId, chain.Registry);
            var signature = JobReceiptTypedData.Sign(attestation.Signer, data, chain.ChainId, chain.Registry);
            var receipt = new Receipt
            {
                JobId = ByteString.CopyFrom(jobId),
                ModelHash = ByteString.CopyFrom(data.ModelHash.AsSpan()),
                InputHash = ByteString.CopyFrom(data.InputHash.AsSpan()),
                OutputHash = ByteString.CopyFrom(data.OutputHash.AsSpan()),
                QuoteHash = ByteString.CopyFrom(data.QuoteHash.AsSpan()),
                FinishedAt = data.FinishedAt,
                Backend = data.Backend,
                ChainId = chain.ChainId,
                RegistryAddress = ByteString.CopyFrom(chain.Registry.ToArray()),
                NodeAddress = ByteString.CopyFrom(address),
                Signature = ByteString.CopyFrom(signature),
            };
            var sealedMessage = new SealedEnvelope
            {
                Version = EnvelopeSuite.Version,
                Suite = envelope.Suite.Clone(),
                Enc = ByteString.CopyFrom(sealedOutput.Enc),
                Ciphertext = ByteString.CopyFrom(sealedOutput.Ciphertext),
            };
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
        catch (Exception ex) when (Describe(ex) is { } reason)
        {
            await FailAsync(jobId, jobHex, reason);
        }
        catch (Exception ex)
        {
            AgentLog.JobCrashed(logger, jobHex, ex);
            await FailAsync(jobId, jobHex, "INTERNAL: the node failed to run the job");
        }
    }

    private async Task FailAsync(byte[] jobId, string jobHex, string reason)
    {
        AgentLog.JobFailed(logger, jobHex, reason);
        AgentTelemetry.JobsFinished.Add(1, new KeyValuePair<string, object?>("state", "failed"));
        await journal.FailAsync(jobId, reason, CancellationToken.None);
        Publish(jobId, JobState.Failed, reason);
    }

    /// <summary>An expected failure's reason (shown to the submitter); null for a bug.</summary>
    private static string? Describe(Exception exception) => exception switch
    {
        RpcException rpc => rpc.Status.Detail,
        CryptoException crypto => $"NODE_KEY_CHANGED: the envelope no longer opens with this node's key ({crypto.Reason}); the node restarted without a persisted identity",
        InvalidProtocolBufferException ex => $"MALFORMED_PROTOBUF: {ex.Message}",
        ComputeException ex => $"MODEL_{Grpc.StatusMappingInterceptor.ScreamingCase(ex.Reason.ToString())}: {ex.Message}",
        _ => null,
    };

    private void Publish(byte[] jobId, JobState state, string detail) =>
        events.Publish(new JobEvent
        {
            JobId = ByteString.CopyFrom(jobId),
            State = state,
            AtUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
            Detail = detail,
        });
}
