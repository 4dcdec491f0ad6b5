using BenchmarkDotNet.Attributes;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>HPKE single-shot seal and open of a 4 KiB job envelope (DHKEM X25519 via libsodium, AEAD via OpenSSL).</summary>
[MemoryDiagnoser]
public class HpkeBenchmarks
{
    private readonly byte[] _jobId = new byte[32];
    private readonly byte[] _nodeAddress = new byte[20];
    private readonly byte[] _payload = new byte[4096];
    private X25519KeyPair _nodeKey = null!;
    private HpkeSealed _sealed = null!;

    [Params(HpkeAead.ChaCha20Poly1305, HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm)]
    public HpkeAead Aead { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _jobId[0] = 1;
        _nodeAddress[0] = 2;
        _payload.AsSpan().Fill(0x5A);
        _nodeKey = X25519KeyPair.Generate();
        _sealed = JobEnvelope.Seal(_nodeKey.PublicKey, _jobId, _nodeAddress, _payload, Aead);
    }

    [GlobalCleanup]
    public void Cleanup() => _nodeKey.Dispose();

    [Benchmark]
    public HpkeSealed SealJob4KiB() => JobEnvelope.Seal(_nodeKey.PublicKey, _jobId, _nodeAddress, _payload, Aead);

    [Benchmark]
    public byte[] OpenJob4KiB() => JobEnvelope.Open(_nodeKey, _jobId, _nodeAddress, _sealed.Enc, _sealed.Ciphertext, Aead);
}
