using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using PhalaWorker.Attestation.Internal;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>
/// Fetches TDX collateral (PCK CRL, root CA CRL, TCB info, QE identity with their issuer chains) from an Intel PCS v4 or a
/// PCCS, as a <see cref="QuoteCollateral"/>. Results are cached in memory and optionally on disk, and reused until the
/// earliest nextUpdate among them (minus <see cref="CollateralFetcherOptions.RefreshMargin"/>). Nothing fetched is trusted:
/// <see cref="DcapVerifier"/> checks every signature against the pinned root.
/// </summary>
public sealed class PcsCollateralFetcher
{
    /// <summary>Name of the <see cref="HttpClient"/> taken from the <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "PhalaWorker.Attestation.Pcs";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly CollateralFetcherOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, QuoteCollateral> _memory = new(StringComparer.Ordinal);

    public PcsCollateralFetcher(IHttpClientFactory httpClientFactory, CollateralFetcherOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _httpClientFactory = httpClientFactory;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>Collateral for the platform that produced <paramref name="quote"/> (FMSPC and PCK CA type from its PCK leaf).</summary>
    public Task<QuoteCollateral> GetCollateralAsync(ReadOnlyMemory<byte> quote, CancellationToken cancellationToken)
    {
        var parsed = QuoteParser.Parse(quote.Span);
        if (parsed.SignatureData.QeReportCertification?.Inner is not PckCertChainCertificationData pem)
        {
            throw new AttestationException(AttestationErrorReason.QuoteFormat, "quote carries no PCK certificate chain (certification data type 6 wrapping type 5)");
        }

        ParsedCertificate leaf;
        SgxPckExtension extension;
        try
        {
            leaf = ParsedCertificate.Parse(Pem.SplitCertificates(pem.PemChain)[0]);
            extension = SgxPckExtension.Parse(CertificateChains.GetExtension(leaf, SgxPckExtension.Oid) ?? throw new FormatException("no SGX extension"));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
            throw new AttestationException(AttestationErrorReason.QuoteFormat, $"quote PCK leaf unusable: {ex.Message}", ex);
        }

        var ca = leaf.Issuer.Contains("Processor", StringComparison.OrdinalIgnoreCase) ? "processor" : "platform";
        return GetCollateralAsync(Convert.ToHexString(extension.Fmspc), ca, cancellationToken);
    }

    /// <summary>Collateral for an FMSPC (12 hex digits) and PCK CA (<c>platform</c> or <c>processor</c>).</summary>
    public async Task<QuoteCollateral> GetCollateralAsync(string fmspc, string ca, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fmspc);
        if (fmspc.Length != 12 || !fmspc.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("FMSPC must be 12 hex digits", nameof(fmspc));
        }

        if (ca is not ("platform" or "processor"))
        {
            throw new ArgumentException("CA must be 'platform' or 'processor'", nameof(ca));
        }

        var key = $"{fmspc.ToUpperInvariant()}-{ca}";
        var now = _timeProvider.GetUtcNow();
        if (_memory.TryGetValue(key, out var cached) && IsFresh(cached, now))
        {
            return cached;
        }

        var file = _options.CacheDirectory is null ? null : Path.Combine(_options.CacheDirectory, $"tdx-collateral-{key}.json");
        if (file is not null && File.Exists(file))
        {
            try
            {
                var fromDisk = QuoteCollateral.FromJson(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
                if (IsFresh(fromDisk, now))
                {
                    _memory[key] = fromDisk;
                    return fromDisk;
                }
            }
            catch (AttestationException)
            {
                // A corrupt cache file is refetched and overwritten.
            }
        }

        var collateral = await FetchAsync(fmspc.ToUpperInvariant(), ca, cancellationToken).ConfigureAwait(false);
        _memory[key] = collateral;
        if (file is not null)
        {
            Directory.CreateDirectory(_options.CacheDirectory!);
            var temp = file + ".tmp";
            await File.WriteAllTextAsync(temp, collateral.ToJson(), cancellationToken).ConfigureAwait(false);
            File.Move(temp, file, overwrite: true);
        }

        return collateral;
    }

    /// <summary>Earliest nextUpdate among TCB info, QE identity and both CRLs; null when something does not decode.</summary>
    public static DateTimeOffset? GetNextUpdate(QuoteCollateral collateral)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        try
        {
            var tcb = TcbInfo.FromJson(collateral.TcbInfo).NextUpdate;
            var qe = QeIdentity.FromJson(collateral.QeIdentity).NextUpdate;
            var pckCrl = ParsedCrl.Parse(collateral.PckCrl).NextUpdate;
            var rootCrl = ParsedCrl.Parse(collateral.RootCaCrl).NextUpdate;
            if (pckCrl is null || rootCrl is null)
            {
                return null;
            }

            return new[] { tcb, qe, pckCrl.Value, rootCrl.Value }.Min();
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The oldest issue time among the TCB info and QE identity issueDate and the PCK CRL thisUpdate (what collateral age is measured by).</summary>
    public static DateTimeOffset? GetOldestIssue(QuoteCollateral collateral)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        try
        {
            var tcb = TcbInfo.FromJson(collateral.TcbInfo).IssueDate;
            var qe = QeIdentity.FromJson(collateral.QeIdentity).IssueDate;
            var pckCrl = ParsedCrl.Parse(collateral.PckCrl).ThisUpdate;
            return new[] { tcb, qe, pckCrl }.Min();
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    private bool IsFresh(QuoteCollateral collateral, DateTimeOffset now) =>
        GetNextUpdate(collateral) is { } next && now < next - _options.RefreshMargin
        && (_options.MaxAge is not { } maxAge || (GetOldestIssue(collateral) is { } issued && now - issued <= maxAge));

    private async Task<QuoteCollateral> FetchAsync(string fmspc, string ca, CancellationToken cancellationToken)
    {
        var client = _httpClientFactory.CreateClient(HttpClientName);
        var baseUrl = _options.BaseUrl.AbsoluteUri.EndsWith('/') ? _options.BaseUrl : new Uri(_options.BaseUrl.AbsoluteUri + "/");
        var isIntel = baseUrl.Host.EndsWith("trustedservices.intel.com", StringComparison.OrdinalIgnoreCase);
        var rootCrlUrl = _options.RootCaCrlUrl ?? (isIntel ? CollateralFetcherOptions.IntelRootCaCrl : new Uri(baseUrl, "sgx/certification/v4/rootcacrl"));

        var (pckCrlBody, pckCrlChain) = await GetAsync(client, new Uri(baseUrl, $"sgx/certification/v4/pckcrl?ca={ca}&encoding=der"), ["SGX-PCK-CRL-Issuer-Chain"], cancellationToken).ConfigureAwait(false);
        var (tcbBody, tcbChain) = await GetAsync(client, new Uri(baseUrl, $"tdx/certification/v4/tcb?fmspc={fmspc}"), ["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"], cancellationToken).ConfigureAwait(false);
        var (qeBody, qeChain) = await GetAsync(client, new Uri(baseUrl, "tdx/certification/v4/qe/identity"), ["SGX-Enclave-Identity-Issuer-Chain"], cancellationToken).ConfigureAwait(false);
        var (rootCrlBody, _) = await GetAsync(client, rootCrlUrl, [], cancellationToken).ConfigureAwait(false);

        var (tcbInfo, tcbSignature) = SplitSigned(tcbBody, "tcbInfo");
        var (qeIdentity, qeSignature) = SplitSigned(qeBody, "enclaveIdentity");
        return new QuoteCollateral
        {
            PckCrlIssuerChain = pckCrlChain!,
            RootCaCrl = DerOrHex(rootCrlBody),
            PckCrl = DerOrHex(pckCrlBody),
            TcbInfoIssuerChain = tcbChain!,
            TcbInfo = tcbInfo,
            TcbInfoSignature = tcbSignature,
            QeIdentityIssuerChain = qeChain!,
            QeIdentity = qeIdentity,
            QeIdentitySignature = qeSignature,
        };
    }

    private static async Task<(byte[] Body, string? Chain)> GetAsync(HttpClient client, Uri url, string[] chainHeaders, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new AttestationException(AttestationErrorReason.CollateralUnavailable, $"GET {url}: {ex.Message}", ex) { IsTransient = true };
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500;
                throw new AttestationException(AttestationErrorReason.CollateralUnavailable, $"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}") { IsTransient = transient };
            }

            string? chain = null;
            if (chainHeaders.Length > 0)
            {
                foreach (var header in chainHeaders)
                {
                    if (response.Headers.TryGetValues(header, out var values))
                    {
                        chain = Uri.UnescapeDataString(string.Concat(values));
                        break;
                    }
                }

                if (chain is null)
                {
                    throw new AttestationException(AttestationErrorReason.CollateralFormat, $"GET {url}: response lacks the {chainHeaders[0]} header");
                }
            }

            return (await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), chain);
        }
    }

    /// <summary>Extracts the exact signed text of <paramref name="property"/> and its hex signature from a PCS JSON body.</summary>
    private static (string Body, byte[] Signature) SplitSigned(byte[] json, string property)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var signed = doc.RootElement.GetProperty(property).GetRawText();
            var signature = Convert.FromHexString(doc.RootElement.GetProperty("signature").GetString() ?? "");
            return (signed, signature);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new AttestationException(AttestationErrorReason.CollateralFormat, $"{property} response is not {{\"{property}\":…,\"signature\":\"hex\"}}: {ex.Message}", ex);
        }
    }

    private static byte[] DerOrHex(byte[] body)
    {
        // A DER CRL starts with SEQUENCE (0x30); some PCCS versions answer hex text instead.
        if (body.Length > 0 && body[0] == 0x30)
        {
            return body;
        }

        try
        {
            return Convert.FromHexString(Encoding.ASCII.GetString(body).Trim());
        }
        catch (FormatException ex)
        {
            throw new AttestationException(AttestationErrorReason.CollateralFormat, "CRL response is neither DER nor hex", ex);
        }
    }
}
