namespace PhalaWorker.Attestation.Gpu.Collateral;

/// <summary>
/// Where <see cref="GpuCollateralFetcher"/> gets the collateral of GPU evidence (driver and VBIOS RIMs, OCSP responses for
/// the device and RIM certificate chains) and where it caches it (section <c>Attestation:GpuCollateral</c>).
/// Nothing fetched or cached is trusted: the GPU verifier checks every RIM signature and chain and every OCSP response.
/// </summary>
public sealed class GpuCollateralOptions
{
    /// <summary>NVIDIA's RIM service; a RIM is <c>GET {RimServiceUrl}{rimId}</c>, answering <c>{"id","rim": base64 SWID XML, …}</c>.</summary>
    public static readonly Uri NvidiaRimService = new("https://rim.attestation.nvidia.com/v1/rim/");

    /// <summary>NVIDIA's OCSP responder (RFC 6960 over HTTP POST).</summary>
    public static readonly Uri NvidiaOcsp = new("https://ocsp.ndis.nvidia.com/");

    /// <summary>RIM service base URL (ends with <c>/</c>; the RIM id is appended).</summary>
    /// <value>Default <see cref="NvidiaRimService"/>.</value>
    public Uri RimServiceUrl { get; set; } = NvidiaRimService;

    /// <summary>OCSP responder URL.</summary>
    /// <value>Default <see cref="NvidiaOcsp"/>.</value>
    public Uri OcspUrl { get; set; } = NvidiaOcsp;

    /// <summary>On-disk cache (subfolders <c>rim/</c> and <c>ocsp/</c>); null keeps only the in-memory cache.</summary>
    /// <value>Default null.</value>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// For air-gapped hosts: a directory holding RIMs as <c>&lt;rim id&gt;.swidtag</c> (or <c>.xml</c>) and OCSP responses as
    /// <c>*.ocsp.der</c> (or <c>*.der</c>). When set, nothing is fetched over the network.
    /// </summary>
    /// <value>Default null.</value>
    public string? OfflineDirectory { get; set; }

    /// <summary>A cached OCSP response is refetched this long before its nextUpdate, a cached RIM before its signer expires.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time limit of one HTTP request.</summary>
    /// <value>Default 10 seconds (nvtrust's network timeout).</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Send a fresh nonce with each OCSP request and refuse a response that echoes another one (as nvtrust does).</summary>
    /// <value>Default true.</value>
    public bool OcspNonce { get; set; } = true;
}
