using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Crypto;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Client;

/// <summary>
/// Runs one job on a verified node: seals the <see cref="JobRequest"/> to the node's attested HPKE key (AAD binding the job
/// id and the node address), submits it, waits for its end (GetResult with <c>wait_for_end</c>, or WatchJob when progress is
/// asked for or the node answers before the end), opens the result with a fresh result key, verifies the
/// receipt (against the identity that signed it), and verifies the receipt's Merkle inclusion off chain and, with a
/// registry, on chain. Each job carries a fresh 32-byte job secret: it salts the receipt hashes and derives the access
/// token that GetResult/WatchJob require. When the node refuses a job with <c>NODE_KEY_CHANGED</c> (it restarted with new
/// keys) and a <paramref name="verifier"/> is given, the node is verified again and the job resealed and resubmitted under
/// a new job id, at most <see cref="JobSubmitterOptions.NodeKeyChangeRetries"/> times; so is a job whose connection is refused
/// because the node now presents another RA-TLS key (it restarted), once the new key is attested.
/// <para>
/// By default (<see cref="JobSpec.ModelTransfer"/>) a model is uploaded once per node identity (UploadModel, sealed to the
/// node with a fresh 32-byte model secret) and each job names it by its content address and that secret; a job refused with
/// <c>MODEL_NOT_CACHED</c> (the node evicted the model or restarted) uploads it again and is resubmitted under the same id.
/// Concurrent jobs of one submitter share one upload per model and node.
/// </para>
/// </summary>
public sealed class JobSubmitter(WorkerClient client, RegistryReader? registry = null, JobSubmitterOptions? options = null, NodeVerifier? verifier = null)
{
    /// <summary>The length of a job id (<see cref="EnvelopeFormat.JobIdLength"/>).</summary>
    public const int JobIdLength = EnvelopeFormat.JobIdLength;

    /// <summary>The refusal reason of a job sealed to a node identity that no longer exists.</summary>
    public const string NodeKeyChangedReason = ReasonCodes.NodeKeyChanged;

    /// <summary>The refusal reason of a job naming a model the node does not hold.</summary>
    public const string ModelNotCachedReason = ReasonCodes.ModelNotCached;

    private readonly JobSubmitterOptions _options = options ?? new JobSubmitterOptions();
    private readonly Lock _streamGate = new();
    private JobStream? _stream;

    // (node address, model id) -> the upload's model secret, once the node acknowledged the upload.
    private readonly ConcurrentDictionary<(EthAddress Node, Hash32 Model), Task<byte[]>> _uploads = new();

    public async Task<JobOutcome> RunAsync(VerifiedNode node, JobSpec spec, IProgress<JobEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(spec);
        var jobId = spec.JobId ?? RandomNumberGenerator.GetBytes(JobIdLength);
        if (jobId.Length != JobIdLength)
        {
            throw new ArgumentException($"a job id is {JobIdLength} bytes", nameof(spec));
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var outcome = await RunOnceAsync(node, spec, jobId, progress, cancellationToken).ConfigureAwait(false);
                return outcome with { Node = node, Resubmissions = attempt };
            }
            catch (WorkerClientException ex) when (ex.RpcReason == NodeKeyChangedReason && attempt < _options.NodeKeyChangeRetries)
            {
                if (verifier is null)
                {
                    throw new WorkerClientException(ex.Reason, $"{ex.Message} (give JobSubmitter a NodeVerifier to re-verify the node and resubmit)", ex)
                    {
                        RpcReason = ex.RpcReason,
                        StatusCode = ex.StatusCode,
                    };
                }

                // The node restarted: its new identity must pass every check again before anything is sealed to it.
                node = await verifier.VerifyAsync(cancellationToken).ConfigureAwait(false);
                jobId = RandomNumberGenerator.GetBytes(JobIdLength);
            }
            catch (WorkerClientException ex) when (ex.Reason == WorkerClientErrorReason.TlsKeyMismatch && verifier is not null && attempt < _options.NodeKeyChangeRetries)
            {
                // RA-TLS: the endpoint presents a key other than the pinned one. A node that restarted does (new keys, new
                // TLS key): verifying again pins its new, attested key; a relay's key is not attested and stays refused.
                var again = await verifier.VerifyAsync(cancellationToken).ConfigureAwait(false);
                if (again.Address == node.Address)
                {
                    throw;
                }

                node = again;
                jobId = RandomNumberGenerator.GetBytes(JobIdLength);
            }
            catch (WorkerClientException ex) when (ex.RpcReason == ReasonCodes.EnvelopeDecryptionFailed && verifier is not null && attempt < _options.NodeKeyChangeRetries)
            {
                // A new job sealed to a key the node no longer has (it restarted since we verified it) does not open either;
                // resubmit only when verifying again shows a new identity, else the refusal stands.
                var again = await verifier.VerifyAsync(cancellationToken).ConfigureAwait(false);
                if (again.Address == node.Address)
                {
                    throw;
                }

                node = again;
                jobId = RandomNumberGenerator.GetBytes(JobIdLength);
            }
        }
    }

    private async Task<JobOutcome> RunOnceAsync(VerifiedNode node, JobSpec spec, byte[] jobId, IProgress<JobEvent>? progress, CancellationToken cancellationToken)
    {
        using var generatedKey = spec.ResultKey is null ? X25519KeyPair.Generate() : null;
        var resultKey = spec.ResultKey ?? generatedKey!;
        var jobSecret = spec.JobSecret ?? RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var accessToken = JobSecrets.AccessToken(jobSecret);
        var request = new JobRequest
        {
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(jobSecret),
        };
        foreach (var (name, tensor) in spec.Inputs)
        {
            request.Inputs.Add(new NamedTensor { Name = name, Tensor = ByteString.CopyFrom(tensor) });
        }

        EnsurePinned(node);
        var streamed = _options.StreamJobs && progress is null;
        Submitted submitted;
        if (spec.ModelTransfer == ModelTransfer.Inline)
        {
            request.Model = ByteString.CopyFrom(spec.Model);
            submitted = await SubmitAsync(Seal(node, jobId, request, spec), streamed, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            submitted = await SubmitByReferenceAsync(node, jobId, request, spec, streamed, cancellationToken).ConfigureAwait(false);
        }

        var accepted = submitted.Accepted;
        var result = submitted.Ended;
        if (result is null && progress is null)
        {
            // One call that answers at the job's end (wait_for_end); a node that answers before (at its watcher limits, or
            // from before the field) is watched as below.
            result = await client.GetResultAsync(jobId, accessToken, waitForEnd: true, cancellationToken).ConfigureAwait(false);
            if (result.State is not (JobState.Succeeded or JobState.Failed))
            {
                result = null;
            }
        }

        if (result is null)
        {
            await foreach (var change in client.WatchJobAsync(jobId, accessToken, cancellationToken).ConfigureAwait(false))
            {
                progress?.Report(change);
            }

            result = await client.GetResultAsync(jobId, accessToken, cancellationToken).ConfigureAwait(false);
        }
        if (result.State == JobState.Failed)
        {
            throw JobFailed(result, resultKey, jobId, node);
        }

        if (result.State != JobState.Succeeded || result.SealedOutput is null || result.Receipt is null)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ResultInvalid, $"the job ended in state {result.State} without a result");
        }

        var output = OpenOutput(result.SealedOutput, resultKey, jobId, node);
        var receipt = ReceiptVerifier.Verify(result.Receipt, node, jobId, request, output);

        var inclusion = result.Inclusion;
        if (inclusion is null && registry is not null && _options.InclusionTimeout > TimeSpan.Zero)
        {
            inclusion = await WaitForInclusionAsync(jobId, accessToken, cancellationToken).ConfigureAwait(false);
        }

        var onChain = false;
        if (inclusion is not null)
        {
            ReceiptVerifier.VerifyInclusion(receipt, inclusion);
            if (registry is not null)
            {
                await registry.VerifyInclusionOnChainAsync(receipt, inclusion, cancellationToken).ConfigureAwait(false);
                onChain = true;
            }
        }

        return new JobOutcome(jobId, output, receipt, inclusion, onChain, accepted.Duplicate) { JobSecret = jobSecret };
    }

    /// <summary>SubmitJob, or the job sent on this submitter's RunJobs call and answered at its end (a duplicate: accepted only).</summary>
    private async Task<Submitted> SubmitAsync(SubmitJobRequest request, bool streamed, CancellationToken cancellationToken)
    {
        if (!streamed)
        {
            return new(await client.SubmitJobAsync(request, cancellationToken).ConfigureAwait(false), null);
        }

        var answer = await Stream().RunAsync(request, cancellationToken).ConfigureAwait(false);
        return answer.OutcomeCase == RunJobsResponse.OutcomeOneofCase.Known
            ? new(answer.Known, null)
            : new(new SubmitJobResponse { JobId = answer.JobId, State = answer.Result.State }, answer.Result);
    }

    // One RunJobs call per submitter, opened again once it broke (the node restarted, the connection dropped).
    private JobStream Stream()
    {
        lock (_streamGate)
        {
            if (_stream is null || _stream.IsBroken)
            {
                _stream = client.OpenJobStream();
            }

            return _stream;
        }
    }

    private readonly record struct Submitted(SubmitJobResponse Accepted, JobResult? Ended);

    private async Task<Submitted> SubmitByReferenceAsync(VerifiedNode node, byte[] jobId, JobRequest request, JobSpec spec, bool streamed, CancellationToken cancellationToken)
    {
        var key = (node.Address, spec.ModelId);
        for (var attempt = 0; ; attempt++)
        {
            var upload = UploadOnceAsync(key, node, spec);
            var secret = await upload.WaitAsync(cancellationToken).ConfigureAwait(false);

            request.ModelRef = new ModelReference { ModelHash = ByteString.CopyFrom(spec.ModelId.AsSpan()), ModelSecret = ByteString.CopyFrom(secret) };
            try
            {
                return await SubmitAsync(Seal(node, jobId, request, spec), streamed, cancellationToken).ConfigureAwait(false);
            }
            catch (WorkerClientException ex) when (ex.RpcReason == ModelNotCachedReason && attempt == 0)
            {
                // The node no longer holds it (evicted, or restarted): upload again and resubmit; the refused job was not journaled.
                _uploads.TryRemove(new KeyValuePair<(EthAddress, Hash32), Task<byte[]>>(key, upload));
            }
        }
    }

    // One upload per (node, model) at a time, shared by concurrent jobs; a failed upload is forgotten so the next job retries.
    private Task<byte[]> UploadOnceAsync((EthAddress Node, Hash32 Model) key, VerifiedNode node, JobSpec spec)
    {
        var fresh = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upload = _uploads.GetOrAdd(key, fresh.Task);
        if (upload == fresh.Task)
        {
            _ = CompleteUploadAsync(fresh, key, node, spec);
        }

        return upload;
    }

    private async Task CompleteUploadAsync(TaskCompletionSource<byte[]> upload, (EthAddress Node, Hash32 Model) key, VerifiedNode node, JobSpec spec)
    {
        try
        {
            upload.SetResult(await UploadAsync(node, spec, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            _uploads.TryRemove(new KeyValuePair<(EthAddress, Hash32), Task<byte[]>>(key, upload.Task));
            upload.SetException(ex);
        }
    }

    private async Task<byte[]> UploadAsync(VerifiedNode node, JobSpec spec, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var uploadId = RandomNumberGenerator.GetBytes(JobIdLength);
        var plaintext = new ModelUpload { Model = ByteString.CopyFrom(spec.Model), ModelSecret = ByteString.CopyFrom(secret) }.ToByteArray();
        HpkeSealed sealedModel;
        try
        {
            sealedModel = ModelEnvelope.Seal(node.HpkePublicKey, uploadId, node.Address.AsSpan(), plaintext, spec.Aead);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        await client.UploadModelAsync(new UploadModelRequest
        {
            UploadId = ByteString.CopyFrom(uploadId),
            Envelope = SealedEnvelopes.Create(sealedModel, spec.Aead),
        }, cancellationToken).ConfigureAwait(false);
        return secret;
    }

    /// <summary>
    /// RA-TLS: nothing job-related goes over a connection that is not pinned to the key the node's attestation binds. The
    /// verifier pins its own client; a submitter given another client pins it here (refused when that client already
    /// presented or pinned another key). Nodes verified without a pinned transport (<see cref="NodeVerifierOptions.InsecureTransport"/>,
    /// or bundles checked by hand) are the caller's choice.
    /// </summary>
    private void EnsurePinned(VerifiedNode node)
    {
        if (!node.TransportPinned || node.TlsSpkiSha256 is not { } attested)
        {
            return;
        }

        if (client.TlsPin is not { } pin)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InsecureTransport,
                $"the node was verified over RA-TLS, but this submitter's client reaches {client.Endpoint} over {client.Transport}: connect it with WorkerClient.Connect(https://…)");
        }

        if (!pin.TryPin(attested, out var other, requireSeen: false))
        {
            throw new WorkerClientException(WorkerClientErrorReason.TlsKeyMismatch,
                $"the endpoint {client.Endpoint} presented TLS key {PhalaWorker.Attestation.Binding.RaTlsBinding.Format(other!)}, not the attested key {PhalaWorker.Attestation.Binding.RaTlsBinding.Format(attested)}: refusing to send the job");
        }
    }

    /// <summary>
    /// The failure of a FAILED job: the public reason, and the detail the node sealed to our result key when it could open
    /// the job (it may name our tensors and operators, so it travels only inside the sealed result).
    /// </summary>
    private static WorkerClientException JobFailed(JobResult result, X25519KeyPair resultKey, byte[] jobId, VerifiedNode node)
    {
        var detail = result.Error;
        if (result.SealedOutput is not null)
        {
            try
            {
                var sealedError = OpenOutput(result.SealedOutput, resultKey, jobId, node).Error;
                detail = string.IsNullOrEmpty(sealedError) ? detail : sealedError;
            }
            catch (WorkerClientException)
            {
                // the public reason stands on its own
            }
        }

        return new WorkerClientException(WorkerClientErrorReason.JobFailed, $"the node failed the job: {detail}")
        {
            RpcReason = ReasonCodes.CodeOf(result.Error),
        };
    }

    /// <summary>Seals a job request to the node (exposed for tests and tools that submit by hand).</summary>
    public static SubmitJobRequest Seal(VerifiedNode node, byte[] jobId, JobRequest request, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(spec);
        var plaintext = request.ToByteArray();
        try
        {
            var sealedJob = JobEnvelope.Seal(node.HpkePublicKey, jobId, node.Address.AsSpan(), plaintext, spec.Aead);
            return new SubmitJobRequest
            {
                JobId = ByteString.CopyFrom(jobId),
                Envelope = SealedEnvelopes.Create(sealedJob, spec.Aead),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Opens the sealed output with the submitter's result key.</summary>
    public static JobOutput OpenOutput(SealedEnvelope sealedOutput, X25519KeyPair resultKey, ReadOnlySpan<byte> jobId, VerifiedNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return OpenOutput(sealedOutput, resultKey, jobId, node.Address);
    }

    /// <summary>Opens the sealed output of a job sealed to node <paramref name="nodeAddress"/> (a job fetched later from a saved job file).</summary>
    public static JobOutput OpenOutput(SealedEnvelope sealedOutput, X25519KeyPair resultKey, ReadOnlySpan<byte> jobId, Chain.Primitives.EthAddress nodeAddress)
    {
        ArgumentNullException.ThrowIfNull(sealedOutput);
        if (!SealedEnvelopes.TryGetAead(sealedOutput, out var aead, out var reason, out var framing))
        {
            throw new WorkerClientException(WorkerClientErrorReason.ResultInvalid, $"the sealed output's framing is not supported ({reason}: {framing})");
        }

        byte[] plaintext;
        try
        {
            plaintext = ResultEnvelope.Open(resultKey, jobId, nodeAddress.AsSpan(), sealedOutput.Enc.Span, sealedOutput.Ciphertext.Span, aead);
        }
        catch (CryptoException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ResultInvalid, $"the sealed output does not open with our result key: {ex.Message}", ex);
        }

        try
        {
            return JobOutput.Parser.ParseFrom(plaintext);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ResultInvalid, $"the opened output is not a JobOutput: {ex.Message}", ex);
        }
    }

    private async Task<InclusionProof> WaitForInclusionAsync(byte[] jobId, byte[] accessToken, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.InclusionTimeout);
        try
        {
            while (true)
            {
                await Task.Delay(_options.InclusionPollInterval, _options.TimeProvider, timeout.Token).ConfigureAwait(false);
                var result = await client.GetResultAsync(jobId, accessToken, timeout.Token).ConfigureAwait(false);
                if (result.Inclusion is not null)
                {
                    return result.Inclusion;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WorkerClientException(WorkerClientErrorReason.TimedOut,
                $"the receipt was not posted on chain within {_options.InclusionTimeout.TotalSeconds:F0} s");
        }
    }
}
