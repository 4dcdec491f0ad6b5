using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Attestation;

/// <summary>Configuration of the node's TEE (section <c>Attestation</c>).</summary>
public sealed class AttestationOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Attestation";

    /// <summary>
    /// The TEE mode: <c>auto</c> (configfs-tsm, then /dev/tdx_guest; fails closed when neither works),
    /// <c>configfs-tsm</c>, <c>tdx-guest</c> or <c>emulated</c> (software TEE; never trusted by default verifiers).
    /// </summary>
    /// <value>Default <c>auto</c>.</value>
    [Required]
    [RegularExpression("^(auto|configfs-tsm|tdx-guest|emulated)$", ErrorMessage = "Attestation:Tee must be auto, configfs-tsm, tdx-guest or emulated.")]
    public string Tee { get; set; } = "auto";

    /// <summary>The configfs-tsm root (reports under <c>&lt;root&gt;/report</c>).</summary>
    /// <value>Default <c>/sys/kernel/config/tsm</c>.</value>
    [Required]
    public string ConfigFsTsmRoot { get; set; } = Providers.ConfigFsTsmQuoteProvider.DefaultRoot;

    /// <summary>The legacy TDX guest device.</summary>
    /// <value>Default <c>/dev/tdx_guest</c>.</value>
    [Required]
    public string TdxGuestDevice { get; set; } = Providers.TdxGuestQuoteProvider.DefaultDevicePath;

    /// <summary>The sysfs directory of the TDX measurement registers (RTMR extension, Linux ≥ 6.16).</summary>
    /// <value>Default <c>/sys/class/misc/tdx_guest/measurements</c>.</value>
    [Required]
    public string MeasurementsDirectory { get; set; } = "/sys/class/misc/tdx_guest/measurements";

    /// <summary>Hex seed (≥ 16 bytes) making the emulated TEE deterministic (tests, demos). Empty: fresh random keys.</summary>
    /// <value>Default none.</value>
    [RegularExpression("^(([0-9a-fA-F]{2}){16,})?$", ErrorMessage = "Attestation:EmulationSeed must be at least 16 bytes of hex.")]
    public string? EmulationSeed { get; set; }

    /// <summary>Issue time of the emulated collateral; default the start time (from <see cref="TimeProvider"/>).</summary>
    /// <value>Default none.</value>
    public DateTimeOffset? EmulationIssuedAt { get; set; }

    /// <summary>How long emulated collateral (TCB info, QE identity, CRLs) stays valid.</summary>
    /// <value>Default 30 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan EmulatedCollateralValidity { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often the agent renews the collateral it staples to its attestation (emulated: re-issued; hardware: refetched from
    /// the PCCS / PCS in <c>Attestation:Collateral</c>, which refetches what is older than its <c>MaxAge</c>). Clients reject
    /// stapled collateral older than a day by default, so keep this well under that.
    /// </summary>
    /// <value>Default 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "12:00:00")]
    public TimeSpan CollateralRefreshPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts per configfs-tsm quote when a generation race is detected.</summary>
    /// <value>Default 3.</value>
    [Range(1, 10)]
    public int QuoteAttempts { get; set; } = 3;

    /// <summary>
    /// GPU evidence source: <c>none</c> (digest of zeros in report_data), <c>emulated</c> (signed by the emulated TEE's GPU key;
    /// requires <see cref="Tee"/> = <c>emulated</c>) or <c>nvml</c> (NVIDIA CC evidence through NVML, see <see cref="Nvml"/>;
    /// startup fails when no GPU passes the CC gate).
    /// </summary>
    /// <value>Default <c>none</c>.</value>
    [Required]
    [RegularExpression("^(none|emulated|nvml)$", ErrorMessage = "Attestation:GpuEvidence must be none, emulated or nvml.")]
    public string GpuEvidence { get; set; } = "none";

    /// <summary>NVML settings for <see cref="GpuEvidence"/> = <c>nvml</c> (section <c>Attestation:Nvml</c>: <c>LibraryPath</c>, <c>CallTimeout</c>).</summary>
    /// <value>Default: <c>libnvidia-ml.so.1</c>, 30 s per call.</value>
    public Gpu.Nvml.NvmlOptions Nvml { get; set; } = new();

    /// <summary>
    /// Path of a JSON <see cref="Gpu.Policy.GpuAttestationPolicy"/> the agent verifies its own boot GPU evidence under before it
    /// marks the GPUs ready (<c>Attestation:GpuPolicy</c>); null for <see cref="Gpu.Policy.GpuAttestationPolicy.Strict"/>.
    /// This gates only the node itself (it refuses to start rather than serve unverified GPUs); clients verify the fresh GPU
    /// evidence under their own policy, which is what protects them from a host that loosens this file.
    /// </summary>
    /// <value>Default null (strict).</value>
    public string? GpuPolicy { get; set; }

    /// <summary>Where GPU collateral (RIMs, OCSP) comes from (section <c>Attestation:GpuCollateral</c>, see <see cref="Gpu.Collateral.GpuCollateralOptions"/>).</summary>
    /// <value>Default: NVIDIA's RIM service and OCSP responder, in-memory cache only.</value>
    public Gpu.Collateral.GpuCollateralOptions GpuCollateral { get; set; } = new();

    /// <summary>Most time one collection of fresh GPU evidence (per GetAttestation) may take; past it the call answers UNAVAILABLE.</summary>
    /// <value>Default 20 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan GpuEvidenceTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether the agent's RTMR3 events extend the hardware RTMR (TDX modes). Off only for kernels without RTMR extension.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ExtendHardwareRtmr { get; set; } = true;
}
