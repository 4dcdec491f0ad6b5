using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Gpu.Collateral;

/// <summary>
/// Fetches what GPU evidence is appraised against: the driver and VBIOS RIMs (ids derived from each report) from NVIDIA's
/// RIM service and OCSP responses for the device chain (certificates 1..n-2, as nvtrust checks) and each RIM chain
/// (0..n-2) from NVIDIA's OCSP responder. Results are kept in memory and optionally on disk: a RIM until its signing
/// certificate expires, an OCSP response until its nextUpdate (each less <see cref="GpuCollateralOptions.RefreshMargin"/>).
/// With <see cref="GpuCollateralOptions.OfflineDirectory"/> nothing goes over the network. Nothing here is trusted: what
/// cannot be had is listed in <see cref="GpuCollateral.Missing"/> and the verifier reports it unavailable.
/// </summary>
public sealed class GpuCollateralFetcher
{
    /// <summary>Name of the <see cref="HttpClient"/> taken from the <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "PhalaWorker.Attestation.GpuCollateral";

    /// <summary>Largest RIM accepted from the service (base64 in JSON).</summary>
    public const int MaxRimResponseBytes = 4 << 20;

    private static readonly AlgorithmIdentifier Sha384 = new(NistObjectIdentifiers.IdSha384, DerNull.Instance);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly GpuCollateralOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, byte[]> _rims = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _ocsp = new(StringComparer.Ordinal);

    public GpuCollateralFetcher(IHttpClientFactory httpClientFactory, GpuCollateralOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _httpClientFactory = httpClientFactory;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>Collects the RIMs and OCSP responses for every GPU of the evidence.</summary>
    public async Task<GpuCollateral> CollectAsync(IReadOnlyList<GpuEvidenceItem> gpus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        var rims = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var ocsp = new List<byte[]>();
        var missing = new List<string>();
        foreach (var gpu in gpus)
        {
            GpuAttestationReport report;
            List<byte[]> deviceChain;
            try
            {
                report = GpuAttestationReportParser.Parse(gpu.Report);
                deviceChain = Pem.SplitCertificates(gpu.CertificateChainPem);
            }
            catch (Exception ex) when (ex is GpuEvidenceFormatException or FormatException)
            {
                missing.Add($"GPU evidence does not decode, no collateral fetched for it: {ex.Message}");
                continue;
            }

            await AddChainAsync(deviceChain, 1, deviceChain.Count - 2, "device chain", ocsp, missing, cancellationToken).ConfigureAwait(false);
            foreach (var rimId in new[] { report.DriverRimId(gpu.Arch), report.VbiosRimId })
            {
                if (rimId is null)
                {
                    missing.Add("a RIM id cannot be derived from the report (driver version, project, SKU or VBIOS version missing)");
                    continue;
                }

                if (rims.ContainsKey(rimId))
                {
                    continue;
                }

                var (xml, why) = await GetRimAsync(rimId, cancellationToken).ConfigureAwait(false);
                if (xml is null)
                {
                    missing.Add($"RIM {rimId}: {why}");
                    continue;
                }

                rims[rimId] = xml;
                var chain = ReferenceIntegrityManifest.Parse(xml, rimId).CertificateChain;
                await AddChainAsync(chain, 0, chain.Count - 2, $"RIM {rimId} chain", ocsp, missing, cancellationToken).ConfigureAwait(false);
            }
        }

        // The same intermediate certificates recur across GPUs and RIMs: staple each response once.
        var distinct = ocsp.DistinctBy(Convert.ToBase64String).ToList();
        return new GpuCollateral(rims, distinct, missing);
    }

    /// <summary>A RIM by id: offline directory, cache, or the RIM service. Null with the reason when it cannot be had.</summary>
    public async Task<(byte[]? Xml, string? Reason)> GetRimAsync(string rimId, CancellationToken cancellationToken)
    {
        RimId id;
        try
        {
            id = RimId.Parse(rimId);
        }
        catch (RimFormatException ex)
        {
            return (null, ex.Message);
        }

        var name = id.ToString();
        if (_options.OfflineDirectory is { } offline)
        {
            foreach (var extension in new[] { ".swidtag", ".xml" })
            {
                var path = Path.Combine(offline, name + extension);
                if (File.Exists(path))
                {
                    return (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), null);
                }
            }

            return (null, $"not in the offline directory {offline} (as {name}.swidtag or .xml)");
        }

        var now = _timeProvider.GetUtcNow();
        if (_rims.TryGetValue(name, out var cached) && IsCurrentRim(cached, id, now))
        {
            return (cached, null);
        }

        var cachePath = CachePath("rim", name + ".swidtag");
        if (cachePath is not null && File.Exists(cachePath))
        {
            var fromDisk = await File.ReadAllBytesAsync(cachePath, cancellationToken).ConfigureAwait(false);
            if (IsCurrentRim(fromDisk, id, now))
            {
                _rims[name] = fromDisk;
                return (fromDisk, null);
            }
        }

        byte[] xml;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(new Uri(_options.RimServiceUrl, Uri.EscapeDataString(name)), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the RIM service answered HTTP {(int)response.StatusCode}");
            }

            var body = await ReadBoundedAsync(response, MaxRimResponseBytes, timeout.Token).ConfigureAwait(false);
            xml = ParseRimServiceResponse(body, name);
            ReferenceIntegrityManifest.Parse(xml, id); // refuse what is not that RIM before caching it
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or FormatException or RimFormatException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, ex is OperationCanceledException ? $"the RIM service did not answer within {_options.RequestTimeout}" : ex.Message);
        }

        _rims[name] = xml;
        await WriteCacheAsync(cachePath, xml, cancellationToken).ConfigureAwait(false);
        return (xml, null);
    }

    /// <summary>An OCSP response for <paramref name="certificateDer"/> issued by <paramref name="issuerDer"/>: offline, cache or the responder.</summary>
    public async Task<(byte[]? Der, string? Reason)> GetOcspResponseAsync(byte[] certificateDer, byte[] issuerDer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        ArgumentNullException.ThrowIfNull(issuerDer);
        X509Certificate certificate, issuer;
        try
        {
            var parser = new X509CertificateParser();
            certificate = parser.ReadCertificate(certificateDer);
            issuer = parser.ReadCertificate(issuerDer);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException or IOException)
        {
            return (null, $"certificate does not decode: {ex.Message}");
        }

        var certificateId = new CertificateID(Sha384, issuer, certificate.SerialNumber);
        var serial = certificate.SerialNumber.ToString(16);
        if (_options.OfflineDirectory is { } offline)
        {
            var found = Directory.EnumerateFiles(offline).Where(f => f.EndsWith(".der", StringComparison.OrdinalIgnoreCase))
                .Select(File.ReadAllBytes).FirstOrDefault(der => Covers(der, certificateId));
            return found is null ? (null, $"no OCSP response for serial {serial} in the offline directory {offline}") : (found, null);
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(certificateId.ToAsn1Object().GetEncoded()));
        var now = _timeProvider.GetUtcNow();
        if (_ocsp.TryGetValue(key, out var cached) && IsCurrentOcsp(cached, certificateId, now))
        {
            return (cached, null);
        }

        var cachePath = CachePath("ocsp", key + ".der");
        if (cachePath is not null && File.Exists(cachePath))
        {
            var fromDisk = await File.ReadAllBytesAsync(cachePath, cancellationToken).ConfigureAwait(false);
            if (IsCurrentOcsp(fromDisk, certificateId, now))
            {
                _ocsp[key] = fromDisk;
                return (fromDisk, null);
            }
        }

        byte[] der;
        try
        {
            var nonce = _options.OcspNonce ? RandomNumberGenerator.GetBytes(32) : null;
            var request = BuildRequest(certificateId, nonce);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
            var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.PostAsync(_options.OcspUrl, content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the OCSP responder answered HTTP {(int)response.StatusCode} for serial {serial}");
            }

            der = await ReadBoundedAsync(response, OcspResponseSet.MaxResponseSize, timeout.Token).ConfigureAwait(false);
            if (ResponseNonce(der) is { } echoed && (nonce is null || !CryptographicOperations.FixedTimeEquals(echoed, new DerOctetString(nonce).GetEncoded())))
            {
                return (null, $"the OCSP response for serial {serial} echoes another request's nonce (replayed)");
            }

            if (!Covers(der, certificateId))
            {
                return (null, $"the OCSP response does not cover serial {serial}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OcspException or ArgumentException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, ex is OperationCanceledException ? $"the OCSP responder did not answer within {_options.RequestTimeout}" : ex.Message);
        }

        _ocsp[key] = der;
        await WriteCacheAsync(cachePath, der, cancellationToken).ConfigureAwait(false);
        return (der, null);
    }

    /// <summary>The RIM document out of the RIM service's JSON answer <c>{"id", "rim": base64, …}</c>.</summary>
    internal static byte[] ParseRimServiceResponse(byte[] body, string expectedId)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("rim", out var rim) || rim.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("the RIM service answer has no 'rim' field");
        }

        if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && !string.Equals(id.GetString(), expectedId, StringComparison.Ordinal))
        {
            throw new FormatException($"the RIM service answered RIM '{id.GetString()}' for '{expectedId}'");
        }

        return Convert.FromBase64String(rim.GetString()!);
    }

    private async Task AddChainAsync(IReadOnlyList<byte[]> chain, int first, int last, string chainName, List<byte[]> ocsp, List<string> missing, CancellationToken cancellationToken)
    {
        for (var i = first; i <= last && i + 1 < chain.Count; i++)
        {
            var (der, why) = await GetOcspResponseAsync(chain[i], chain[i + 1], cancellationToken).ConfigureAwait(false);
            if (der is null)
            {
                missing.Add($"OCSP for {chainName} certificate {i}: {why}");
            }
            else
            {
                ocsp.Add(der);
            }
        }
    }

    private bool IsCurrentRim(byte[] xml, RimId id, DateTimeOffset now)
    {
        try
        {
            var signer = new X509CertificateParser().ReadCertificate(ReferenceIntegrityManifest.Parse(xml, id).CertificateChain[0]);
            return now + _options.RefreshMargin < new DateTimeOffset(signer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is RimFormatException or Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException)
        {
            return false;
        }
    }

    private bool IsCurrentOcsp(byte[] der, CertificateID id, DateTimeOffset now) =>
        Single(der, id)?.NextUpdate is { } next && now + _options.RefreshMargin < new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc));

    private static bool Covers(byte[] der, CertificateID id) => Single(der, id) is not null;

    private static SingleResp? Single(byte[] der, CertificateID id)
    {
        try
        {
            var response = new OcspResp(der);
            return response.Status == OcspRespStatus.Successful && response.GetResponseObject() is BasicOcspResp basic
                ? basic.Responses.FirstOrDefault(r => r.GetCertID().Equals(id))
                : null;
        }
        catch (Exception ex) when (ex is IOException or OcspException or ArgumentException or InvalidCastException)
        {
            return null;
        }
    }

    private static byte[]? ResponseNonce(byte[] der)
    {
        try
        {
            return new OcspResp(der).GetResponseObject() is BasicOcspResp basic ? basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)?.GetOctets() : null;
        }
        catch (Exception ex) when (ex is IOException or OcspException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[] BuildRequest(CertificateID id, byte[]? nonce)
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        if (nonce is not null)
        {
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new(false, new DerOctetString(new DerOctetString(nonce).GetEncoded())),
            }));
        }

        return generator.Generate().GetEncoded();
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > 0 and var length && length > limit)
        {
            throw new IOException($"the answer of {length} bytes exceeds the {limit}-byte limit");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new IOException($"the answer exceeds the {limit}-byte limit");
                }

                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return buffer.ToArray();
        }
    }

    private string? CachePath(string kind, string file) => _options.CacheDirectory is { } root ? Path.Combine(root, kind, file) : null;

    private static async Task WriteCacheAsync(string? path, byte[] bytes, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The cache is an optimisation: a read-only or full disk only costs a refetch next time.
        }
    }
}
