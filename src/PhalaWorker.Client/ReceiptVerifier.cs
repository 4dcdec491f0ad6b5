using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Client;

/// <summary>Checks a receipt against what was sent and received, and its Merkle inclusion proof.</summary>
public static class ReceiptVerifier
{
    /// <summary>
    /// Recomputes the salted model, input and output hashes (salt from <c>request.job_secret</c>) and the quote hash, checks
    /// job id, chain id, registry and node address, and that the EIP-712 signature recovers to the node. <paramref name="node"/>
    /// is the identity the job was sealed to: a receipt signed before the node restarted verifies against that identity.
    /// </summary>
    public static VerifiedReceipt Verify(Receipt receipt, VerifiedNode node, ReadOnlySpan<byte> jobId, JobRequest request, JobOutput output)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(request);
        if (request.JobSecret.Length != JobSecrets.Length)
        {
            throw new ArgumentException($"the request's job_secret is not {JobSecrets.Length} bytes", nameof(request));
        }

        var salt = JobSecrets.ReceiptSalt(request.JobSecret.Span);
        // By reference the request names the model by the content address the submitter computed from the model's bytes.
        var modelId = request.ModelRef is { ModelHash.Length: Hash32.Size } reference ? new Hash32(reference.ModelHash.Span) : JobReceiptHashes.ModelId(request.Model.Span);
        return Verify(receipt, node.Address, node.QuoteHash, node.ChainId, node.Registry, jobId,
            JobReceiptHashes.Model(salt.AsSpan(), modelId), ReceiptHashes.Tensors(salt, request.Inputs), request.JobSecret.Span, output);
    }

    /// <summary>
    /// The same checks for a job fetched later (<c>phala-worker result fetch</c>): what was sent is known by its salted model
    /// and input hashes (kept in the job file at submission) and the node by what was verified then: its address, quote hash,
    /// chain and registry.
    /// </summary>
    public static VerifiedReceipt Verify(Receipt receipt, EthAddress nodeAddress, Hash32 quoteHash, ulong chainId, EthAddress expectedRegistry,
        ReadOnlySpan<byte> jobId, Hash32 modelHash, Hash32 inputHash, ReadOnlySpan<byte> jobSecret, JobOutput output)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(output);
        if (!ReceiptMessages.TryReadData(receipt, out var data))
        {
            throw Fail("the receipt is malformed (field lengths)");
        }

        if (jobSecret.Length != JobSecrets.Length)
        {
            throw new ArgumentException($"the job secret is not {JobSecrets.Length} bytes", nameof(jobSecret));
        }

        var salt = JobSecrets.ReceiptSalt(jobSecret);
        Expect("job id", receipt.JobId.Span, jobId);
        Expect("model hash", receipt.ModelHash.Span, modelHash.AsSpan());
        Expect("input hash", receipt.InputHash.Span, inputHash.AsSpan());
        Expect("output hash", receipt.OutputHash.Span, ReceiptHashes.Tensors(salt, output.Outputs).AsSpan());
        Expect("quote hash", receipt.QuoteHash.Span, quoteHash.AsSpan());
        Expect("node address", receipt.NodeAddress.Span, nodeAddress.AsSpan());
        if (receipt.ChainId != chainId)
        {
            throw Fail($"the receipt's chain id {receipt.ChainId} is not the node's chain {chainId}");
        }

        var registry = new EthAddress(receipt.RegistryAddress.Span);
        if (registry != expectedRegistry)
        {
            throw Fail($"the receipt's registry {registry} is not the node's registry {expectedRegistry}");
        }

        if (receipt.Backend != output.ComputeBackend)
        {
            throw Fail($"the receipt names backend '{receipt.Backend}' but the output came from '{output.ComputeBackend}'");
        }

        var digest = JobReceiptTypedData.Digest(data, receipt.ChainId, registry);
        var signature = receipt.Signature.ToByteArray();
        if (!Secp256k1.TryRecover(digest.AsSpan(), EthSignature.FromBytes65(signature), out var signer) || signer != nodeAddress)
        {
            throw Fail($"the receipt's EIP-712 signature does not recover to the node {nodeAddress}");
        }

        return new VerifiedReceipt(data, receipt.ChainId, registry, signer, digest, signature);
    }

    /// <summary>
    /// Checks the Merkle proof of the receipt digest against the proof's batch root (off chain), with the registry's
    /// domain-separated rule (leaf keccak256(0x00 ‖ digest), inner keccak256(0x01 ‖ min ‖ max); <see cref="ReceiptMerkleTree"/>).
    /// Whether the root is on chain, in the batch of the signer or of a successor, is <see cref="RegistryReader.VerifyInclusionOnChainAsync"/>'s check.
    /// </summary>
    public static void VerifyInclusion(VerifiedReceipt receipt, InclusionProof inclusion)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(inclusion);
        if (inclusion.BatchRoot.Length != 32 || inclusion.Proof.Any(p => p.Length != 32) || inclusion.BatchNode.Length is not (0 or EthAddress.Size))
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, "the inclusion proof is malformed (hash or batch node lengths)");
        }

        var proof = inclusion.Proof.Select(p => new Hash32(p.Span)).ToArray();
        if (!ReceiptMerkleTree.Verify(receipt.Digest, proof, new Hash32(inclusion.BatchRoot.Span)))
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid,
                $"the receipt digest {receipt.Digest} is not in batch {inclusion.BatchIndex} (root {new Hash32(inclusion.BatchRoot.Span)})");
        }
    }

    private static void Expect(string field, ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        if (!actual.SequenceEqual(expected))
        {
            throw Fail($"the receipt's {field} {Hex.Encode(actual)} does not match the recomputed {Hex.Encode(expected)}");
        }
    }

    private static WorkerClientException Fail(string message) => new(WorkerClientErrorReason.ReceiptInvalid, message);
}
