using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>One X25519 Diffie-Hellman and one key generation: libsodium (through NSec, what HPKE uses) against BouncyCastle.</summary>
[MemoryDiagnoser]
public class X25519Benchmarks
{
    private readonly byte[] _output = new byte[32];
    private X25519KeyPair _nsecKey = null!;
    private byte[] _peerPublic = null!;
    private X25519PrivateKeyParameters _bcKey = null!;
    private X25519PublicKeyParameters _bcPeer = null!;
    private SecureRandom _random = null!;

    [GlobalSetup]
    public void Setup()
    {
        _random = new SecureRandom();
        _nsecKey = X25519KeyPair.Generate();
        using X25519KeyPair peer = X25519KeyPair.Generate();
        _peerPublic = peer.PublicKey;
        _bcKey = new X25519PrivateKeyParameters(_random);
        _bcPeer = new X25519PublicKeyParameters(_peerPublic);
    }

    [GlobalCleanup]
    public void Cleanup() => _nsecKey.Dispose();

    [Benchmark(Baseline = true)]
    public bool AgreeNSec() => _nsecKey.TryAgree(_peerPublic, _output);

    [Benchmark]
    public byte[] AgreeBouncyCastle()
    {
        _bcKey.GenerateSecret(_bcPeer, _output, 0);
        return _output;
    }

    [Benchmark]
    public byte[] GenerateNSec()
    {
        using X25519KeyPair pair = X25519KeyPair.Generate();
        return pair.PublicKey;
    }

    [Benchmark]
    public byte[] GenerateBouncyCastle() => new X25519PrivateKeyParameters(_random).GeneratePublicKey().GetEncoded();
}
