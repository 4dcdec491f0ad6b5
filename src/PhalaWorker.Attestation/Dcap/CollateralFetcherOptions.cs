namespace PhalaWorker.Attestation.Dcap;

/// <summary>Where <see cref="PcsCollateralFetcher"/> fetches collateral from and where it caches it.</summary>
public sealed class CollateralFetcherOptions
{
    /// <summary>Intel PCS base URL.</summary>
    public static readonly Uri IntelPcs = new("https://api.trustedservices.intel.com/");

    /// <summary>Intel's root CA CRL distribution point (used when <see cref="RootCaCrlUrl"/> is null and the base is Intel PCS).</summary>
    public static readonly Uri IntelRootCaCrl = new("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");

    /// <summary>PCS or PCCS base URL; requests go to <c>{base}/sgx/certification/v4/…</c> and <c>{base}/tdx/certification/v4/…</c>.</summary>
    /// <value>Default Intel PCS.</value>
    public Uri BaseUrl { get; set; } = IntelPcs;

    /// <summary>Root CA CRL URL; null uses Intel's distribution point for Intel PCS, <c>{base}/sgx/certification/v4/rootcacrl</c> for a PCCS.</summary>
    public Uri? RootCaCrlUrl { get; set; }

    /// <summary>Directory of the on-disk cache; null disables it (an in-memory cache is always kept).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Refetch this long before the earliest nextUpdate, so cached collateral never expires mid-use.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Refetch cached collateral whose oldest part (TCB info or QE identity issueDate, PCK CRL thisUpdate) is older than this,
    /// even inside its nextUpdate window. Clients reject node-stapled collateral older than a day by default
    /// (NodeVerifierOptions.MaxStapledCollateralAge), so what a node staples must be younger than that; a PCCS in front of
    /// Intel PCS must refresh at least as often. Null: reuse until nextUpdate.
    /// </summary>
    /// <value>Default 12 hours.</value>
    public TimeSpan? MaxAge { get; set; } = TimeSpan.FromHours(12);
}
