using BenchmarkDotNet.Attributes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Benchmarks.Chain;

/// <summary>secp256k1 sign and recover: libsecp256k1 (native) against the BouncyCastle fallback; Keccak-256; receipt digest.</summary>
[MemoryDiagnoser]
public class Secp256k1Benchmarks
{
    private readonly byte[] _key = Hex.Decode("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    private readonly byte[] _hash = Keccak256.HashUtf8("benchmark").ToArray();
    private readonly byte[] _data32 = new byte[32];
    private readonly byte[] _data1k = new byte[1024];
    private readonly byte[] _signature = new byte[64];
    private readonly byte[] _publicKey = new byte[64];
    private int _recoveryId;
    private EthSigner _signer = null!;
    private JobReceiptData _receipt = null!;

    [GlobalSetup]
    public void Setup()
    {
        if (!NativeSecp256k1.IsAvailable)
        {
            throw new InvalidOperationException("libsecp256k1 is not installed");
        }

        NativeSecp256k1.TrySign(_key, _hash, _signature, out _recoveryId);
        _signer = new EthSigner(_key);
        _receipt = new JobReceiptData(Keccak256.HashUtf8("j"), Keccak256.HashUtf8("m"), Keccak256.HashUtf8("i"), Keccak256.HashUtf8("o"),
            Keccak256.HashUtf8("q"), 1_790_000_000, "cpu");
    }

    [GlobalCleanup]
    public void Cleanup() => _signer.Dispose();

    [Benchmark]
    public bool Sign_Native() => NativeSecp256k1.TrySign(_key, _hash, _signature, out _);

    [Benchmark]
    public bool Sign_BouncyCastle() => ManagedSecp256k1.TrySign(_key, _hash, _signature, out _);

    [Benchmark]
    public bool Recover_Native() => NativeSecp256k1.TryRecover(_hash, _signature, _recoveryId, _publicKey);

    [Benchmark]
    public bool Recover_BouncyCastle() => ManagedSecp256k1.TryRecover(_hash, _signature, _recoveryId, _publicKey);

    [Benchmark]
    public Hash32 Keccak_32B() => Keccak256.Hash(_data32);

    [Benchmark]
    public Hash32 Keccak_1KiB() => Keccak256.Hash(_data1k);

    [Benchmark]
    public byte[] Receipt_DigestAndSign() => JobReceiptTypedData.Sign(_signer, _receipt, 31337, EthAddress.Zero);
}
