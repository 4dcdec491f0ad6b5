using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Policy;

/// <summary>
/// What a verifier accepts from NVIDIA GPU evidence beyond the cryptographic checks (which always apply). JSON (camelCase,
/// comments allowed, unknown members rejected), e.g. <c>{"minimumDriverVersion":"550.54.15","allowMissingOcsp":true}</c>.
/// <see cref="Strict"/> (the default) requires CC mode, forbids DevTools and PPCIe, requires both RIMs with matching
/// measurements and a good, current OCSP response for every checked certificate, and never accepts emulated GPUs.
/// </summary>
public sealed record GpuAttestationPolicy
{
    /// <summary>The strict default.</summary>
    public static GpuAttestationPolicy Strict { get; } = new();

    /// <summary>Reject a GPU whose node-reported CC mode is not on.</summary>
    /// <value>Default true.</value>
    public bool RequireCcMode { get; init; } = true;

    /// <summary>Accept CC DevTools mode (not confidential: debugging and profiling are possible).</summary>
    /// <value>Default false. DevTools also changes the measurements, which the RIM comparison catches.</value>
    public bool AllowDevTools { get; init; }

    /// <summary>Lowest accepted driver version (dotted decimal, e.g. <c>550.54.15</c>), compared with the signed report's.</summary>
    /// <value>Default null: any version.</value>
    public string? MinimumDriverVersion { get; init; }

    /// <summary>Lowest accepted VBIOS version (dotted hex, e.g. <c>96.00.88.00.11</c>), compared with the signed report's.</summary>
    /// <value>Default null: any version.</value>
    public string? MinimumVbiosVersion { get; init; }

    /// <summary>Require verified driver and VBIOS RIMs and a measurement match; an unavailable RIM rejects.</summary>
    /// <value>Default true.</value>
    public bool RequireRims { get; init; } = true;

    /// <summary>Accept certificates without an OCSP response ("unavailable"). Revoked, unknown or invalid responses always reject.</summary>
    /// <value>Default false.</value>
    public bool AllowMissingOcsp { get; init; }

    /// <summary>Accept an OCSP response up to this long after its nextUpdate.</summary>
    /// <value>Default zero.</value>
    public TimeSpan OcspGracePeriod { get; init; }

    /// <summary>Reject OCSP responses whose thisUpdate is older than this.</summary>
    /// <value>Default null: only the response's own window.</value>
    public TimeSpan? OcspMaxAge { get; init; }

    /// <summary>Accept reports whose feature flag is PPCIe (protected PCIe multi-GPU mode).</summary>
    /// <value>Default false.</value>
    public bool AllowPpcie { get; init; }

    /// <summary>Accept evidence from the emulated GPU (emulated device root).</summary>
    /// <value>Default false; production policies never set it.</value>
    public bool AllowEmulated { get; init; }

    public static GpuAttestationPolicy FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        GpuAttestationPolicy policy;
        try
        {
            policy = JsonSerializer.Deserialize(PhalaWorker.Attestation.Policy.PolicyJson.OverStrict(json, Strict.ToJson()), GpuPolicyJsonContext.Default.GpuAttestationPolicy)
                ?? throw new AttestationException(AttestationErrorReason.PolicyFormat, "GPU policy JSON is null");
        }
        catch (JsonException ex)
        {
            throw new AttestationException(AttestationErrorReason.PolicyFormat, $"GPU policy JSON is invalid: {ex.Message}", ex);
        }

        if (policy.MinimumDriverVersion is { } driver && GpuVersion.TryParse(driver, GpuVersion.Kind.Driver) is null)
        {
            throw new AttestationException(AttestationErrorReason.PolicyFormat, $"minimumDriverVersion '{driver}' is not a dotted decimal version");
        }

        if (policy.MinimumVbiosVersion is { } vbios && GpuVersion.TryParse(vbios, GpuVersion.Kind.Vbios) is null)
        {
            throw new AttestationException(AttestationErrorReason.PolicyFormat, $"minimumVbiosVersion '{vbios}' is not a dotted hex version");
        }

        if (policy.OcspGracePeriod < TimeSpan.Zero || policy.OcspMaxAge < TimeSpan.Zero)
        {
            throw new AttestationException(AttestationErrorReason.PolicyFormat, "ocspGracePeriod and ocspMaxAge must not be negative");
        }

        return policy;
    }

    public static GpuAttestationPolicy Load(string path) => FromJson(File.ReadAllText(path));

    public string ToJson() => JsonSerializer.Serialize(this, GpuPolicyJsonContext.Default.GpuAttestationPolicy);
}

[JsonSerializable(typeof(GpuAttestationPolicy))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
internal sealed partial class GpuPolicyJsonContext : JsonSerializerContext;
