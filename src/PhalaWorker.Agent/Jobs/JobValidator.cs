using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Compute;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Opens job and model envelopes, checks the request's framing and size limits, and resolves the job's model (loading an
/// inline one, finding a referenced one in the <see cref="ModelStore"/>) before a job is accepted or run.
/// </summary>
internal sealed class JobValidator(IOptions<ComputeOptions> computeOptions, ComputeEngine engine, ModelStore models)
{
    public const int ResultKeyLength = 32;

    public const int UploadIdLength = 32;

    /// <summary>Opens and parses; throws CryptoException / InvalidProtocolBufferException / RpcException.</summary>
    public JobRequest Open(NodeAttestation attestation, byte[] jobId, SealedEnvelope envelope, HpkeAead aead)
    {
        var plaintext = JobEnvelope.Open(attestation.Identity.HpkeKey, jobId, attestation.Address.ToArray(), envelope.Enc.Span, envelope.Ciphertext.Span, aead);
        try
        {
            var request = JobRequest.Parser.ParseFrom(plaintext);
            Check(request);
            return request;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Opens, checks and resolves the model (limits, operators, shapes — no execution): SubmitJob refuses bad jobs
    /// synchronously, with a status naming the problem (never a tensor or operator), before anything is queued, and the
    /// opened job goes to the runner as it is. A referenced model the node does not hold is refused with
    /// <c>MODEL_NOT_CACHED</c>.
    /// </summary>
    public OpenedJob OpenJob(NodeAttestation attestation, byte[] jobId, SealedEnvelope envelope, HpkeAead aead)
    {
        var request = Open(attestation, jobId, envelope, aead);
        var model = ResolveModel(request);
        var token = JobSecrets.AccessToken(request.JobSecret.Span);
        try
        {
            return new OpenedJob(jobId, request, model.Model, model.ModelId, aead, attestation, JobSecrets.AccessTokenHash(token));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(token);
        }
    }

    /// <summary>Opens a model upload, loads and plans the model (as a job's would be) and holds it in the <see cref="ModelStore"/>.</summary>
    public Hash32 Upload(NodeAttestation attestation, byte[] uploadId, SealedEnvelope envelope, HpkeAead aead)
    {
        var plaintext = ModelEnvelope.Open(attestation.Identity.HpkeKey, uploadId, attestation.Address.ToArray(), envelope.Enc.Span, envelope.Ciphertext.Span, aead);
        ModelUpload upload;
        try
        {
            upload = ModelUpload.Parser.ParseFrom(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        if (upload.ModelSecret.Length != JobSecrets.Length)
        {
            RpcErrors.InvalidArgument(ReasonCodes.ModelReferenceLength, $"model_secret must be {JobSecrets.Length} bytes, got {upload.ModelSecret.Length}");
        }

        if (upload.Model.IsEmpty)
        {
            RpcErrors.InvalidArgument(ReasonCodes.ModelMissing, "the upload carries no model");
        }

        CheckModelSize(upload.Model.Length);
        var model = engine.Load(upload.Model.Span);
        var modelId = JobReceiptHashes.ModelId(upload.Model.Span);
        models.Add(modelId, upload.ModelSecret.Span, model, upload.Model.Length);
        return modelId;
    }

    private CachedModel ResolveModel(JobRequest request)
    {
        if (request.ModelRef is { } reference)
        {
            if (!models.TryGet(new Hash32(reference.ModelHash.Span), reference.ModelSecret.Span, out var cached))
            {
                RpcErrors.FailedPrecondition(ReasonCodes.ModelNotCached,
                    "the job names a model this node does not hold (never uploaded, evicted, or the node restarted); upload it with UploadModel and submit again");
            }

            return cached;
        }

        return new CachedModel(engine.Load(request.Model.Span), JobReceiptHashes.ModelId(request.Model.Span));
    }

    private void Check(JobRequest request)
    {
        if (request.ResultPublicKey.Length != ResultKeyLength)
        {
            RpcErrors.InvalidArgument(ReasonCodes.ResultKeyLength, $"result_public_key must be {ResultKeyLength} bytes, got {request.ResultPublicKey.Length}");
        }

        if (request.JobSecret.Length != JobSecrets.Length)
        {
            RpcErrors.InvalidArgument(ReasonCodes.JobSecretLength, $"job_secret must be {JobSecrets.Length} bytes, got {request.JobSecret.Length}");
        }

        if (request.ModelRef is { } reference)
        {
            if (!request.Model.IsEmpty)
            {
                RpcErrors.InvalidArgument(ReasonCodes.ModelAmbiguous, "the job carries both a model and a model_ref; set exactly one");
            }

            if (reference.ModelHash.Length != Hash32.Size || reference.ModelSecret.Length != JobSecrets.Length)
            {
                RpcErrors.InvalidArgument(ReasonCodes.ModelReferenceLength,
                    $"model_ref.model_hash and model_ref.model_secret must be 32 bytes, got {reference.ModelHash.Length} and {reference.ModelSecret.Length}");
            }
        }
        else
        {
            if (request.Model.IsEmpty)
            {
                RpcErrors.InvalidArgument(ReasonCodes.ModelMissing, "the job carries no model");
            }

            CheckModelSize(request.Model.Length);
        }

        // Inputs are named by index only: their names are inside the encrypted job.
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            if (!names.TryAdd(request.Inputs[i].Name, i))
            {
                RpcErrors.InvalidArgument(ReasonCodes.InputDuplicate, $"input #{i} has the same name as input #{names[request.Inputs[i].Name]}");
            }
        }
    }

    private void CheckModelSize(int length)
    {
        var limit = computeOptions.Value.MaxModelBytes;
        if (length > limit)
        {
            RpcErrors.ResourceExhausted(ReasonCodes.ModelLimitExceeded, $"model is {length} bytes, over the node's limit of {limit} bytes (MaxModelBytes)");
        }
    }
}
