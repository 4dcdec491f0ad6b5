using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>
/// One X25519 Diffie-Hellman and one key generation: ours (libsodium called directly, what HPKE uses),
/// NSec (the same libsodium behind guarded-memory key objects) and BouncyCastle (managed).
/// </summary>
[MemoryDiagnoser]
public class X25519Benchmarks
{
    private readonly byte[] _output = new byte[32];
    private X25519KeyPair _key = null!;
    private byte[] _peerPublic = null!;
    private Key _nsecKey = null!;
    private PublicKey _nsecPeer = null!;
    private X25519PrivateKeyParameters _bcKey = null!;
    private X25519PublicKeyParameters _bcPeer = null!;
    private SecureRandom _random = null!;

    [GlobalSetup]
    public void Setup()
    {
        _random = new SecureRandom();
        _key = X25519KeyPair.Generate();
        using X25519KeyPair peer = X25519KeyPair.Generate();
        _peerPublic = peer.PublicKey;
        _nsecKey = Key.Create(KeyAgreementAlgorithm.X25519);
        _nsecPeer = PublicKey.Import(KeyAgreementAlgorithm.X25519, _peerPublic, KeyBlobFormat.RawPublicKey);
        _bcKey = new X25519PrivateKeyParameters(_random);
        _bcPeer = new X25519PublicKeyParameters(_peerPublic);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _nsecKey.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool AgreeLibsodium() => _key.TryAgree(_peerPublic, _output);

    [Benchmark]
    public byte[] AgreeNSec()
    {
        // What a raw DH costs through NSec: import the peer, agree into a guarded SharedSecret, export it.
        PublicKey peer = PublicKey.Import(KeyAgreementAlgorithm.X25519, _peerPublic, KeyBlobFormat.RawPublicKey);
        using SharedSecret secret = KeyAgreementAlgorithm.X25519.Agree(_nsecKey, peer, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })!;
        return secret.Export(SharedSecretBlobFormat.RawSharedSecret);
    }

    [Benchmark]
    public byte[] AgreeBouncyCastle()
    {
        _bcKey.GenerateSecret(_bcPeer, _output, 0);
        return _output;
    }

    [Benchmark]
    public byte[] GenerateLibsodium()
    {
        using X25519KeyPair pair = X25519KeyPair.Generate();
        return pair.PublicKey;
    }

    [Benchmark]
    public byte[] GenerateNSec()
    {
        using Key key = Key.Create(KeyAgreementAlgorithm.X25519);
        return key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    [Benchmark]
    public byte[] GenerateBouncyCastle() => new X25519PrivateKeyParameters(_random).GeneratePublicKey().GetEncoded();
}
