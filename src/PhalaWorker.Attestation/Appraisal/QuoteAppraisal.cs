using System.Text.Json;
using System.Text.Json.Serialization;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Appraisal;

/// <summary>
/// The result of verifying a quote against collateral and a policy: the verdict, the TCB status (whenever TCB evaluation
/// was reached, also when a policy check then rejects), advisory IDs, measured values, and for a rejection every failed
/// check with the certificate or field concerned. Never a bare "invalid".
/// </summary>
public sealed record QuoteAppraisal
{
    /// <summary>True when every check and the policy passed.</summary>
    public required bool Valid { get; init; }

    /// <summary>Combined TCB status (platform ⊕ TDX module ⊕ QE), when TCB evaluation was reached.</summary>
    public TcbStatus? TcbStatus { get; init; }

    public IReadOnlyList<string> AdvisoryIds { get; init; } = [];

    /// <summary>The first failure's explanation (all of them joined by "; "), null when valid.</summary>
    public string? Reason { get; init; }

    /// <summary>The first failed check, null when valid.</summary>
    public VerificationCheck? FailedCheck { get; init; }

    /// <summary>The certificate or field the first failed check concerns.</summary>
    public string? FailedItem { get; init; }

    public IReadOnlyList<AppraisalFailure> Failures { get; init; } = [];

    /// <summary>Platform TCB level status (before convergence).</summary>
    public TcbStatus? PlatformTcbStatus { get; init; }

    public TcbStatus? TdxModuleTcbStatus { get; init; }

    public TcbStatus? QeTcbStatus { get; init; }

    /// <summary>tcbDate of the matched platform TCB level.</summary>
    public DateTimeOffset? TcbDate { get; init; }

    /// <summary>True when the chain ends at an emulated root (accepted only with allowEmulated).</summary>
    public bool Emulated { get; init; }

    public int? QuoteVersion { get; init; }

    /// <summary>FMSPC from the PCK leaf (hex).</summary>
    public string? Fmspc { get; init; }

    /// <summary>Measured values, when the quote decoded.</summary>
    public MeasuredValues? Measurements { get; init; }

    /// <summary>The time the verdict is for.</summary>
    public DateTimeOffset VerifiedAt { get; init; }

    /// <summary>Earliest nextUpdate / notAfter of the collateral used: the verdict is not valid after this.</summary>
    public DateTimeOffset? CollateralExpiresAt { get; init; }

    /// <summary>The decoded quote (not serialized).</summary>
    [JsonIgnore]
    public TdxQuote? Quote { get; init; }

    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(this, indented ? AppraisalJsonContext.Default.QuoteAppraisal : AppraisalJsonContext.Compact.QuoteAppraisal);

    public static QuoteAppraisal FromJson(string json) =>
        JsonSerializer.Deserialize(json, AppraisalJsonContext.Default.QuoteAppraisal) ?? throw new JsonException("appraisal is null");
}

[JsonSerializable(typeof(QuoteAppraisal))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true)]
internal sealed partial class AppraisalJsonContext : JsonSerializerContext
{
    public static AppraisalJsonContext Compact { get; } = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false });
}
