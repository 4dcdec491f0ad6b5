using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Receipts;

public class AttestationNonceSignatureTests
{
    [Test]
    public void Hash_IsKeccakOfPrefixNonceAndQuoteHash()
    {
        byte[] nonce = [1, 2, 3];
        byte[] quote = [9, 9];

        var expected = Keccak256.Hash([.. Encoding.ASCII.GetBytes("phala-worker/v1 attestation nonce"), .. nonce, .. Keccak256.Hash(quote).AsSpan()]);

        Assert.That(AttestationNonceSignature.Hash(nonce, quote), Is.EqualTo(expected));
    }

    [Test]
    public void SignThenVerify_NodeTrue_OtherNonceFalse()
    {
        using var node = EthSigner.Generate();
        byte[] nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        byte[] quote = [.. Enumerable.Range(0, 100).Select(i => (byte)(i * 3))];

        var signature = AttestationNonceSignature.Sign(node, nonce, quote);

        Assert.Multiple(() =>
        {
            Assert.That(AttestationNonceSignature.Verify(nonce, quote, signature, node.Address), Is.True);
            Assert.That(AttestationNonceSignature.Verify([.. nonce[..31], 0xff], quote, signature, node.Address), Is.False);
            Assert.That(AttestationNonceSignature.Verify(nonce, quote[1..], signature, node.Address), Is.False);
            Assert.That(AttestationNonceSignature.Verify(nonce, quote, signature[..64], node.Address), Is.False);
        });
    }
}
