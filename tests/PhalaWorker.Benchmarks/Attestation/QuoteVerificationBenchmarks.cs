using BenchmarkDotNet.Attributes;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Benchmarks.Attestation;

/// <summary>BenchmarkDotNet view of the same work as the quote-verify harness (without the dcap-qvl comparison):
/// <c>dotnet run -c Release --project tests/PhalaWorker.Benchmarks -- --filter *QuoteVerification* --job short</c>.</summary>
[MemoryDiagnoser]
public class QuoteVerificationBenchmarks
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1751328000);
    private byte[] _quote = [];
    private QuoteCollateral _collateral = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "testdata", "attestation")))
        {
            dir = dir.Parent;
        }

        var data = Path.Combine(dir?.FullName ?? Directory.GetCurrentDirectory(), "tests", "testdata", "attestation");
        _quote = File.ReadAllBytes(Path.Combine(data, "tdx_quote_v4.bin"));
        _collateral = QuoteCollateral.FromJson(File.ReadAllText(Path.Combine(data, "collateral.json")));
        if (!DcapVerifier.Verify(_quote, _collateral, At, AttestationPolicy.Strict).Valid)
        {
            throw new InvalidOperationException("the sample quote must verify");
        }
    }

    [Benchmark]
    public TdxQuote Parse() => QuoteParser.Parse(_quote);

    [Benchmark]
    public QuoteAppraisal VerifyWarm() => DcapVerifier.Verify(_quote, _collateral, At, AttestationPolicy.Strict);
}
