using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// <c>GetAttestation</c>: the bundle made at start, plus a fresh signature by the node key over the caller's nonce
/// and the quote hash, which proves the key bound in the quote is live in this process; and, when the node has a GPU
/// evidence provider, fresh GPU evidence for the <see cref="GpuEvidenceBinding"/> nonce with its collateral, signed by the
/// node key. GPUs that do not answer make the call fail with UNAVAILABLE (<c>GPU_EVIDENCE_UNAVAILABLE</c>), never a stale answer.
/// </summary>
[global::Grpc.Core.BindServiceMethod(typeof(Hosting.ReasonedServiceBinder), nameof(Hosting.ReasonedServiceBinder.BindAttestation))] // unparsable requests: MALFORMED_PROTOBUF
internal sealed class AttestationService(NodeContext node, Registry.ChainBinding chain, GpuAttestor gpu, ILogger<AttestationService> logger)
    : Protocol.V1.Attestation.AttestationBase
{
    public const int NonceLength = AttestationNonceSignature.NonceLength;

    public override async Task<AttestationBundle> GetAttestation(GetAttestationRequest request, ServerCallContext context)
    {
        if (request.Nonce.Length != NonceLength)
        {
            RpcErrors.InvalidArgument(ReasonCodes.NonceLength, $"nonce must be {NonceLength} bytes, got {request.Nonce.Length}");
        }

        var attestation = node.Required;
        var bundle = attestation.Bundle.Clone();
        bundle.Collateral = attestation.StapledCollateral;
        bundle.Nonce = request.Nonce;
        bundle.ChainId = chain.ChainId;
        bundle.RegistryAddress = ByteString.CopyFrom(chain.Registry.AsSpan());
        var digest = AttestationNonceSignature.Hash(request.Nonce.Span, attestation.QuoteHash);
        bundle.NonceSignature = ByteString.CopyFrom(attestation.Signer.SignHash(digest).ToBytes65());

        FreshGpuEvidence? fresh;
        try
        {
            fresh = await gpu.CollectFreshAsync(request.Nonce.Memory, attestation, context.CancellationToken);
        }
        catch (AttestationException ex) when (ex.Reason == AttestationErrorReason.GpuEvidenceUnavailable)
        {
            AgentLog.FreshGpuEvidenceUnavailable(logger, ex.Message);
            throw RpcErrors.Create(StatusCode.Unavailable, ReasonCodes.GpuEvidenceUnavailable, ex.Message);
        }

        if (fresh is not null)
        {
            bundle.FreshGpuEvidence = ByteString.CopyFrom(fresh.Evidence);
            bundle.FreshGpuEvidenceSignature = ByteString.CopyFrom(fresh.Signature);
            bundle.GpuCollateral = fresh.Collateral;
            bundle.GpuEvidenceBindingVersion = GpuEvidenceBinding.Version;
        }

        return bundle;
    }
}
