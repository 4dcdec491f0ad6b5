using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Compute;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Jobs;

/// <summary>Opens a job envelope and checks the request's framing and size limits before a job is accepted or run.</summary>
internal sealed class JobValidator(IOptions<ComputeOptions> computeOptions, ComputeEngine engine)
{
    public const int ResultKeyLength = 32;

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
    /// Opens, checks, loads the model (limits, operators, shapes — no execution) and forgets the plaintext: SubmitJob refuses
    /// bad jobs synchronously, with a status naming the problem (never a tensor or operator), before anything is queued.
    /// Returns the hash of the job's access token, all the journal keeps of the job secret.
    /// </summary>
    public byte[] Validate(NodeAttestation attestation, byte[] jobId, SealedEnvelope envelope, HpkeAead aead)
    {
        var request = Open(attestation, jobId, envelope, aead);
        _ = engine.Load(request.Model.Span);
        var token = JobSecrets.AccessToken(request.JobSecret.Span);
        try
        {
            return JobSecrets.AccessTokenHash(token);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(token);
        }
    }

    private void Check(JobRequest request)
    {
        var limits = computeOptions.Value;
        if (request.ResultPublicKey.Length != ResultKeyLength)
        {
            RpcErrors.InvalidArgument(ReasonCodes.ResultKeyLength, $"result_public_key must be {ResultKeyLength} bytes, got {request.ResultPublicKey.Length}");
        }

        if (request.JobSecret.Length != JobSecrets.Length)
        {
            RpcErrors.InvalidArgument(ReasonCodes.JobSecretLength, $"job_secret must be {JobSecrets.Length} bytes, got {request.JobSecret.Length}");
        }

        if (request.Model.IsEmpty)
        {
            RpcErrors.InvalidArgument(ReasonCodes.ModelMissing, "the job carries no model");
        }

        if (request.Model.Length > limits.MaxModelBytes)
        {
            RpcErrors.ResourceExhausted(ReasonCodes.ModelLimitExceeded, $"model is {request.Model.Length} bytes, over the node's limit of {limits.MaxModelBytes} bytes (MaxModelBytes)");
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
}
