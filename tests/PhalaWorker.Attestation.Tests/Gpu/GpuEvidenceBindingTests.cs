using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using PhalaWorker.Attestation.Gpu;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed class GpuEvidenceBindingTests
{
    [Test]
    public void HeartbeatDigest_IsTheDocumentedKeccak()
    {
        var quoteHash = RandomNumberGenerator.GetBytes(32);
        var blockHash = RandomNumberGenerator.GetBytes(32);
        var evidence = "fresh evidence for the block"u8.ToArray();

        var digest = GpuEvidenceBinding.HeartbeatDigest(quoteHash, blockHash, evidence);

        var keccak = new KeccakDigest(256);
        byte[] input = [.. "phala-worker/v1 heartbeat attestation"u8, .. quoteHash, .. blockHash, .. SHA256.HashData(evidence)];
        keccak.BlockUpdate(input, 0, input.Length);
        var expected = new byte[32];
        keccak.DoFinal(expected, 0);
        Assert.That(digest, Is.EqualTo(expected));
        Assert.That(GpuEvidenceBinding.HeartbeatDigest(quoteHash, RandomNumberGenerator.GetBytes(32), evidence), Is.Not.EqualTo(digest), "bound to the block");
    }

    [Test]
    public void HeartbeatDigest_WrongLengths_Refused()
    {
        Assert.Throws<ArgumentException>(() => GpuEvidenceBinding.HeartbeatDigest(new byte[31], new byte[32], []));
        Assert.Throws<ArgumentException>(() => GpuEvidenceBinding.HeartbeatDigest(new byte[32], new byte[33], []));
    }
}
