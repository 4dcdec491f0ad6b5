using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>
/// The node's cryptographic work per job outside the model (issue 2, Speed): open the 4 KiB job envelope,
/// seal a 1 KiB result to the submitter's key, and sign the EIP-712 receipt with the node key.
/// </summary>
public sealed class PerJobWorkload : IDisposable
{
    private const ulong ChainId = 31337;

    private readonly NodeIdentity _node;
    private readonly EthSigner _signer;
    private readonly X25519KeyPair _submitterResultKey;
    private readonly byte[] _resultPublicKey;
    private readonly byte[] _jobId = new byte[32];
    private readonly byte[] _nodeAddress;
    private readonly EthAddress _registry = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private readonly byte[] _jobOutput = new byte[1024];
    private readonly HpkeSealed _jobEnvelope;
    private readonly JobReceiptData _receiptTemplate;

    public PerJobWorkload(HpkeAead aead = HpkeAead.ChaCha20Poly1305)
    {
        Aead = aead;
        _node = NodeIdentity.Generate();
        _signer = new EthSigner(_node.GetSigningKey());
        _nodeAddress = _signer.Address.AsSpan().ToArray();
        _submitterResultKey = X25519KeyPair.Generate();
        _resultPublicKey = _submitterResultKey.PublicKey;
        _jobId.AsSpan().Fill(0x11);
        _jobOutput.AsSpan().Fill(0x22);
        byte[] jobRequest = new byte[4096];
        jobRequest.AsSpan().Fill(0x33);
        _jobEnvelope = JobEnvelope.Seal(_node.HpkeKey.PublicKey, _jobId, _nodeAddress, jobRequest, aead);
        _receiptTemplate = new JobReceiptData(
            new Hash32(_jobId),
            Keccak256.Hash("model"u8),
            Keccak256.Hash("inputs"u8),
            Keccak256.Hash(_jobOutput),
            Keccak256.Hash("quote"u8),
            1_795_000_000,
            "cpu");
    }

    public HpkeAead Aead { get; }

    /// <summary>One job: returns the sealed result and the 65-byte receipt signature.</summary>
    public (HpkeSealed Result, byte[] Signature) Run()
    {
        byte[] jobRequest = JobEnvelope.Open(_node.HpkeKey, _jobId, _nodeAddress, _jobEnvelope.Enc, _jobEnvelope.Ciphertext, Aead);
        HpkeSealed result = ResultEnvelope.Seal(_resultPublicKey, _jobId, _nodeAddress, _jobOutput, Aead);
        byte[] signature = JobReceiptTypedData.Sign(_signer, _receiptTemplate with { FinishedAt = (ulong)jobRequest.Length }, ChainId, _registry);
        return (result, signature);
    }

    public byte[] OpenJob() => JobEnvelope.Open(_node.HpkeKey, _jobId, _nodeAddress, _jobEnvelope.Enc, _jobEnvelope.Ciphertext, Aead);

    public HpkeSealed SealResult() => ResultEnvelope.Seal(_resultPublicKey, _jobId, _nodeAddress, _jobOutput, Aead);

    public byte[] SignReceipt() => JobReceiptTypedData.Sign(_signer, _receiptTemplate, ChainId, _registry);

    public void Dispose()
    {
        _signer.Dispose();
        _node.Dispose();
        _submitterResultKey.Dispose();
    }
}
