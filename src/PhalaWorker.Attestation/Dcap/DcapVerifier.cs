using System.Diagnostics;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Internal;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>
/// Verifies a TDX quote v4/v5 against DCAP collateral, a policy and pinned trusted roots, at an explicit time.
/// Checks follow Intel's QVL: PCK chain to a pinned root, root CA / PCK CRLs (signature, revocation, thisUpdate/nextUpdate
/// strictly), QE report signature and report-data binding, quote signature, TCB info / QE identity signatures and windows,
/// FMSPC / PCE-ID, platform TCB level, TDX module identity and TCB, QE identity and TCB, combined status and advisories,
/// TD attributes, MRSERVICETD, then the policy. Per-collateral and per-PCK-chain work is cached by content, so a repeated
/// verification costs about the two ECDSA verifications of the quote itself. Thread-safe.
/// </summary>
public static partial class DcapVerifier
{
    private const int MaxCacheEntries = 256;

    private static readonly ConcurrentDictionary<string, PreparedCollateral> CollateralCache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, PreparedPckChain> PckChainCache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, EcdsaP256?> AttestationKeyCache = new(StringComparer.Ordinal);

    /// <summary>Verifies with the built-in Intel root (<see cref="TrustedRoots.Intel"/>).</summary>
    public static QuoteAppraisal Verify(ReadOnlySpan<byte> quote, QuoteCollateral collateral, DateTimeOffset at, AttestationPolicy policy) =>
        Verify(quote, collateral, at, policy, TrustedRoots.Intel);

    public static QuoteAppraisal Verify(ReadOnlySpan<byte> quote, QuoteCollateral collateral, DateTimeOffset at, AttestationPolicy policy, TrustedRoots roots)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(roots);

        using var activity = AttestationTelemetry.ActivitySource.StartActivity("dcap.verify");
        var started = Stopwatch.GetTimestamp();
        QuoteAppraisal appraisal;
        try
        {
            var parsed = QuoteParser.Parse(quote);
            appraisal = new Run(parsed, collateral, at, policy, roots).Execute(quote);
        }
        catch (QuoteFormatException ex)
        {
            appraisal = Reject(at, new AppraisalFailure(VerificationCheck.QuoteFormat, ex.Field, ex.Message));
        }

        var verdict = new KeyValuePair<string, object?>("verdict", appraisal.Valid ? "accepted" : "rejected");
        AttestationTelemetry.VerifyDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, verdict);
        AttestationTelemetry.Verifications.Add(1, verdict,
            new("tcb_status", appraisal.TcbStatus?.ToString() ?? "none"), new("failed_check", appraisal.FailedCheck?.ToString() ?? "none"));
        activity?.SetTag("verdict", appraisal.Valid ? "accepted" : "rejected");
        return appraisal;
    }

    /// <summary>Drops cached collateral / chain work (tests, memory pressure).</summary>
    public static void ClearCache()
    {
        CollateralCache.Clear();
        PckChainCache.Clear();
        AttestationKeyCache.Clear();
    }

    internal static PreparedCollateral GetPrepared(QuoteCollateral collateral, TrustedRoots roots)
    {
        var key = Convert.ToHexStringLower(collateral.ContentHash) + roots.Id;
        if (CollateralCache.TryGetValue(key, out var prepared))
        {
            return prepared;
        }

        prepared = PreparedCollateral.Prepare(collateral, roots);
        Bound(CollateralCache);
        return CollateralCache.GetOrAdd(key, prepared);
    }

    internal static PreparedPckChain GetPckChain(byte[] pem, TrustedRoots roots)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(pem)) + roots.Id;
        if (PckChainCache.TryGetValue(key, out var chain))
        {
            return chain;
        }

        chain = PreparedPckChain.Prepare(pem, roots);
        Bound(PckChainCache);
        return PckChainCache.GetOrAdd(key, chain);
    }

    private static EcdsaP256? GetAttestationKey(byte[] point)
    {
        var key = Convert.ToHexStringLower(point);
        if (AttestationKeyCache.TryGetValue(key, out var ecdsa))
        {
            return ecdsa;
        }

        try
        {
            ecdsa = EcdsaP256.FromRawPoint(point);
        }
        catch (CryptographicException)
        {
            ecdsa = null;
        }

        Bound(AttestationKeyCache);
        return AttestationKeyCache.GetOrAdd(key, ecdsa);
    }

    private static void Bound<T>(ConcurrentDictionary<string, T> cache)
    {
        if (cache.Count >= MaxCacheEntries)
        {
            cache.Clear();
        }
    }

    private static QuoteAppraisal Reject(DateTimeOffset at, AppraisalFailure failure) => new()
    {
        Valid = false,
        Reason = failure.Message,
        FailedCheck = failure.Check,
        FailedItem = failure.Item,
        Failures = [failure],
        VerifiedAt = at,
    };

    private static bool IsAllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
