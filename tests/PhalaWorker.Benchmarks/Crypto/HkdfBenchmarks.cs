using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>The HKDF-SHA256 steps HPKE runs per message (8 of them per setup), one extract and one expand each.</summary>
public class HkdfBenchmarks
{
    private readonly byte[] _ikm = new byte[80];
    private readonly byte[] _prk = new byte[32];
    private readonly byte[] _info = new byte[100];
    private readonly byte[] _output = new byte[32];

    [Benchmark]
    public int Extract() => HKDF.Extract(HashAlgorithmName.SHA256, _ikm, [], _prk);

    [Benchmark]
    public byte[] Expand()
    {
        HKDF.Expand(HashAlgorithmName.SHA256, _prk, _output, _info);
        return _output;
    }

    [Benchmark]
    public int HmacOneShot() => HMACSHA256.HashData(_prk, _ikm, _output);
}
