using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// <c>GetAttestation</c>: the bundle made at start, plus a fresh signature by the node key over the caller's nonce
/// and the quote hash, which proves the key bound in the quote is live in this process.
/// </summary>
internal sealed class AttestationService(NodeContext node, Registry.ChainBinding chain) : Protocol.V1.Attestation.AttestationBase
{
    public const int NonceLength = 32;

    public override Task<AttestationBundle> GetAttestation(GetAttestationRequest request, ServerCallContext context)
    {
        if (request.Nonce.Length != NonceLength)
        {
            RpcErrors.InvalidArgument("NONCE_LENGTH", $"nonce must be {NonceLength} bytes, got {request.Nonce.Length}");
        }

        var attestation = node.Required;
        var bundle = attestation.Bundle.Clone();
        bundle.Collateral = attestation.StapledCollateral;
        bundle.Nonce = request.Nonce;
        bundle.ChainId = chain.ChainId;
        bundle.RegistryAddress = ByteString.CopyFrom(chain.Registry.AsSpan());
        var digest = NonceSignature.Digest(request.Nonce.Span, attestation.QuoteHash);
        bundle.NonceSignature = ByteString.CopyFrom(attestation.Signer.SignHash(digest).ToBytes65());
        return Task.FromResult(bundle);
    }
}
