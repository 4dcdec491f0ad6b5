using System.Text.Json;
using System.Text.Json.Serialization;
using PhalaWorker.Attestation.Dcap;

namespace PhalaWorker.Attestation.Policy;

/// <summary>
/// What a verifier accepts beyond DCAP validity. JSON (camelCase), for example
/// <c>{"minimumTcbStatus":"SWHardeningNeeded","allowedAdvisoryIds":["INTEL-SA-00615"],"allowedMrTd":["91eb…"],"maxCollateralAge":"30.00:00:00"}</c>.
/// The default (<see cref="Strict"/>) accepts UpToDate only, no advisories, no debug TDs, no emulation, no MRSERVICETD.
/// </summary>
public sealed record AttestationPolicy
{
    /// <summary>UpToDate only, no advisories, no debug, no emulation, any measurements.</summary>
    public static AttestationPolicy Strict { get; } = new();

    /// <summary>The worst accepted TCB status (order: UpToDate, SWHardeningNeeded, ConfigurationNeeded,
    /// ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded). Revoked is never accepted.</summary>
    /// <value>Default <see cref="TcbStatus.UpToDate"/>.</value>
    public TcbStatus MinimumTcbStatus { get; init; } = TcbStatus.UpToDate;

    /// <summary>Advisory IDs (e.g. INTEL-SA-00615) that may appear; any other advisory rejects.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<string> AllowedAdvisoryIds { get; init; } = [];

    /// <summary>Allowed MRTD values (hex); null or empty accepts any.</summary>
    public IReadOnlyList<string>? AllowedMrTd { get; init; }

    public IReadOnlyList<string>? AllowedRtmr0 { get; init; }

    public IReadOnlyList<string>? AllowedRtmr1 { get; init; }

    public IReadOnlyList<string>? AllowedRtmr2 { get; init; }

    public IReadOnlyList<string>? AllowedRtmr3 { get; init; }

    public IReadOnlyList<string>? AllowedMrConfigId { get; init; }

    /// <summary>Accept debug TDs.</summary>
    /// <value>Default false; production policies never set it.</value>
    public bool AllowDebug { get; init; }

    /// <summary>Accept chains rooted at an emulated root (added with <see cref="TrustedRoots.WithEmulated"/>).</summary>
    /// <value>Default false.</value>
    public bool AllowEmulated { get; init; }

    /// <summary>Accept a non-zero MRSERVICETD (TD report 1.5).</summary>
    /// <value>Default false.</value>
    public bool AllowMrServiceTd { get; init; }

    /// <summary>Reject collateral (TCB info, QE identity issueDate, PCK CRL thisUpdate) older than this at verification time.</summary>
    /// <value>Default null (only the collateral's own nextUpdate windows apply).</value>
    public TimeSpan? MaxCollateralAge { get; init; }

    public static AttestationPolicy FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(PolicyJson.OverStrict(json, Strict.ToJson()), PolicyJsonContext.Default.AttestationPolicy)
                ?? throw new AttestationException(AttestationErrorReason.PolicyFormat, "policy JSON is null");
        }
        catch (JsonException ex)
        {
            throw new AttestationException(AttestationErrorReason.PolicyFormat, $"policy JSON is invalid: {ex.Message}", ex);
        }
    }

    public static AttestationPolicy Load(string path) => FromJson(File.ReadAllText(path));

    public string ToJson() => JsonSerializer.Serialize(this, PolicyJsonContext.Default.AttestationPolicy);

    /// <summary>Severity rank used for <see cref="MinimumTcbStatus"/> comparisons.</summary>
    public static int Rank(TcbStatus status) => (int)status;

    /// <summary>True when <paramref name="status"/> is at least as good as the minimum (Revoked never is).</summary>
    public bool Accepts(TcbStatus status) => status != TcbStatus.Revoked && Rank(status) <= Rank(MinimumTcbStatus);
}

[JsonSerializable(typeof(AttestationPolicy))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
