using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Client.Tests;

public sealed class ReceiptVerifierTests
{
    private static readonly EthAddress Registry = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    [Test]
    public void Tensors_Layout_IsSaltThenLengthPrefixedNameAndTensor()
    {
        var salt = JobSecrets.ReceiptSalt(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var tensors = new[] { new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(1, 2, 3) }, new NamedTensor { Name = "yz", Tensor = ByteString.Empty } };
        var expected = new List<byte>(salt.ToArray());
        foreach (var (name, data) in new[] { ("x", new byte[] { 1, 2, 3 }), ("yz", Array.Empty<byte>()) })
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)name.Length);
            expected.AddRange(length);
            expected.AddRange(Encoding.UTF8.GetBytes(name));
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
            expected.AddRange(length);
            expected.AddRange(data);
        }

        Assert.That(ReceiptHashes.Tensors(salt, tensors), Is.EqualTo(Keccak256.Hash(expected.ToArray())));
    }

    [Test]
    public void JobSecrets_Derivations_AreTheDocumentedHashes()
    {
        var secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        Assert.That(JobSecrets.ReceiptSalt(secret), Is.EqualTo(Keccak256.Hash([.. "phala-worker/v1 receipt salt"u8, .. secret])));
        Assert.That(JobSecrets.AccessToken(secret), Is.EqualTo(SHA256.HashData([.. "phala-worker/v1 access token"u8, .. secret])));
        Assert.That(JobSecrets.Matches(JobSecrets.AccessToken(secret), JobSecrets.AccessTokenHash(JobSecrets.AccessToken(secret))), Is.True);
        Assert.That(JobSecrets.Matches(new byte[32], JobSecrets.AccessTokenHash(JobSecrets.AccessToken(secret))), Is.False);
    }

    [Test]
    public void Verify_OtherJobSecret_ReceiptInvalid()
    {
        using var signer = EthSigner.Generate();
        var (receipt, node, jobId, request, output) = Make(signer);
        request.JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32));

        var ex = Assert.Throws<WorkerClientException>(() => ReceiptVerifier.Verify(receipt, node, jobId, request, output));

        Assert.That(ex!.Message, Does.Contain("model hash"));
    }

    [Test]
    public void Verify_Honest_RecoversNode()
    {
        using var signer = EthSigner.Generate();
        var (receipt, node, jobId, request, output) = Make(signer);

        var verified = ReceiptVerifier.Verify(receipt, node, jobId, request, output);

        Assert.That(verified.Signer, Is.EqualTo(signer.Address));
        Assert.That(System.Text.Json.JsonDocument.Parse(verified.ToJson()).RootElement.GetProperty("primaryType").GetString(), Is.EqualTo("JobReceipt"));
    }

    [TestCase("model")]
    [TestCase("input")]
    [TestCase("output")]
    [TestCase("chain")]
    [TestCase("registry")]
    [TestCase("signature")]
    [TestCase("backend")]
    public void Verify_Tampered_ReceiptInvalid(string field)
    {
        using var signer = EthSigner.Generate();
        var (receipt, node, jobId, request, output) = Make(signer);
        switch (field)
        {
            case "model": request.Model = ByteString.CopyFrom(9); break;
            case "input": request.Inputs[0].Tensor = ByteString.CopyFrom(9); break;
            case "output": output.Outputs[0].Tensor = ByteString.CopyFrom(9); break;
            case "chain": receipt.ChainId = 1; break;
            case "registry": receipt.RegistryAddress = ByteString.CopyFrom(new byte[20]); break;
            case "signature": receipt.Signature = ByteString.CopyFrom(Flip(receipt.Signature.ToByteArray(), 3)); break;
            case "backend": receipt.Backend = "cuda"; break;
        }

        var ex = Assert.Throws<WorkerClientException>(() => ReceiptVerifier.Verify(receipt, node, jobId, request, output));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.ReceiptInvalid));
    }

    [Test]
    public void VerifyInclusion_ProofFromTree_Accepted_TamperedRejected()
    {
        using var signer = EthSigner.Generate();
        var (receipt, node, jobId, request, output) = Make(signer);
        var verified = ReceiptVerifier.Verify(receipt, node, jobId, request, output);
        var leaves = new List<Hash32> { Keccak256.Hash([1]), verified.Digest, Keccak256.Hash([2]) };
        var tree = new ReceiptMerkleTree(leaves);
        var inclusion = new InclusionProof { BatchRoot = ByteString.CopyFrom(tree.Root.AsSpan()) };
        inclusion.Proof.AddRange(tree.GetProof(1).Select(p => ByteString.CopyFrom(p.AsSpan())));

        ReceiptVerifier.VerifyInclusion(verified, inclusion);
        inclusion.Proof[0] = ByteString.CopyFrom(new byte[32]);

        Assert.Throws<WorkerClientException>(() => ReceiptVerifier.VerifyInclusion(verified, inclusion));
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        bytes[index] ^= 1;
        return bytes;
    }

    private static (Receipt, VerifiedNode, byte[], JobRequest, JobOutput) Make(EthSigner signer)
    {
        var jobId = RandomNumberGenerator.GetBytes(32);
        var quote = RandomNumberGenerator.GetBytes(100);
        var request = new JobRequest { Model = ByteString.CopyFrom(1, 2), JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };
        var salt = JobSecrets.ReceiptSalt(request.JobSecret.Span);
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(3) });
        var output = new JobOutput { ComputeBackend = "cpu" };
        output.Outputs.Add(new NamedTensor { Name = "y", Tensor = ByteString.CopyFrom(4) });
        var node = new VerifiedNode(signer.Address, new byte[32], quote, Keccak256.Hash(quote), TeeType.EmulatedTdx, 31337, Registry, "cpu", "0.1.0",
            new QuoteAppraisal { Valid = true }, null, new AttestationBundle());
        var data = new JobReceiptData(new Hash32(jobId), JobReceiptHashes.Model(salt.AsSpan(), request.Model.Span), ReceiptHashes.Tensors(salt, request.Inputs),
            ReceiptHashes.Tensors(salt, output.Outputs), node.QuoteHash, 1_700_000_000, "cpu");
        var receipt = new Receipt
        {
            JobId = ByteString.CopyFrom(jobId),
            ModelHash = ByteString.CopyFrom(data.ModelHash.AsSpan()),
            InputHash = ByteString.CopyFrom(data.InputHash.AsSpan()),
            OutputHash = ByteString.CopyFrom(data.OutputHash.AsSpan()),
            QuoteHash = ByteString.CopyFrom(data.QuoteHash.AsSpan()),
            FinishedAt = data.FinishedAt,
            Backend = data.Backend,
            ChainId = 31337,
            RegistryAddress = ByteString.CopyFrom(Registry.AsSpan()),
            NodeAddress = ByteString.CopyFrom(signer.Address.AsSpan()),
            Signature = ByteString.CopyFrom(JobReceiptTypedData.Sign(signer, data, 31337, Registry)),
        };
        return (receipt, node, jobId, request, output);
    }
}
