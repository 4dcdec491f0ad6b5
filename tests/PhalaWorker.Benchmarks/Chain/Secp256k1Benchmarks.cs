using BenchmarkDotNet.Attributes;
using Nethereum.Signer;
using Nethereum.Util;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Benchmarks.Chain;

/// <summary>
/// secp256k1 sign and recover: our libsecp256k1 path against Nethereum's managed EthECKey (BouncyCastle); Keccak-256 ours
/// (BouncyCastle KeccakDigest) against Nethereum's Sha3Keccack; receipt digest + sign (EIP-712 through Nethereum, signed by libsecp256k1).
/// </summary>
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
    private EthECKey _ethKey = null!;
    private EthECDSASignature _ethSignature = null!;
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
        _ethKey = new EthECKey(_key, isPrivate: true);
        _ethSignature = _ethKey.SignAndCalculateV(_hash);
        _receipt = new JobReceiptData(Keccak256.HashUtf8("j"), Keccak256.HashUtf8("m"), Keccak256.HashUtf8("i"), Keccak256.HashUtf8("o"),
            Keccak256.HashUtf8("q"), 1_790_000_000, "cpu");
    }

    [GlobalCleanup]
    public void Cleanup() => _signer.Dispose();

    [Benchmark]
    public bool Sign_Native() => NativeSecp256k1.TrySign(_key, _hash, _signature, out _);

    [Benchmark]
    public EthECDSASignature Sign_Nethereum() => _ethKey.SignAndCalculateV(_hash);

    [Benchmark]
    public bool Recover_Native() => NativeSecp256k1.TryRecover(_hash, _signature, _recoveryId, _publicKey);

    [Benchmark]
    public EthECKey Recover_Nethereum() => EthECKey.RecoverFromSignature(_ethSignature, _hash);

    [Benchmark]
    public Hash32 Keccak_32B() => Keccak256.Hash(_data32);

    [Benchmark]
    public Hash32 Keccak_1KiB() => Keccak256.Hash(_data1k);

    [Benchmark]
    public byte[] Keccak_32B_Nethereum() => Sha3Keccack.Current.CalculateHash(_data32);

    [Benchmark]
    public byte[] Keccak_1KiB_Nethereum() => Sha3Keccack.Current.CalculateHash(_data1k);

    [Benchmark]
    public byte[] Receipt_DigestAndSign() => JobReceiptTypedData.Sign(_signer, _receipt, 31337, EthAddress.Zero);
}
