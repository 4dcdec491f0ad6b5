using System.Text.Json.Serialization;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Appraisal;

/// <summary>The measured values of a TD quote as lower-case hex.</summary>
public sealed record MeasuredValues
{
    public required string MrTd { get; init; }

    public required string Rtmr0 { get; init; }

    public required string Rtmr1 { get; init; }

    public required string Rtmr2 { get; init; }

    public required string Rtmr3 { get; init; }

    public required string MrConfigId { get; init; }

    public required string MrOwner { get; init; }

    public required string MrOwnerConfig { get; init; }

    public required string MrSeam { get; init; }

    public required string MrSignerSeam { get; init; }

    public required string SeamAttributes { get; init; }

    public required string TeeTcbSvn { get; init; }

    public required string ReportData { get; init; }

    public required string TdAttributes { get; init; }

    public required string Xfam { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MrServiceTd { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TeeTcbSvn2 { get; init; }

    public static MeasuredValues From(TdReportBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new MeasuredValues
        {
            MrTd = Hex(body.MrTd),
            Rtmr0 = Hex(body.Rtmr0),
            Rtmr1 = Hex(body.Rtmr1),
            Rtmr2 = Hex(body.Rtmr2),
            Rtmr3 = Hex(body.Rtmr3),
            MrConfigId = Hex(body.MrConfigId),
            MrOwner = Hex(body.MrOwner),
            MrOwnerConfig = Hex(body.MrOwnerConfig),
            MrSeam = Hex(body.MrSeam),
            MrSignerSeam = Hex(body.MrSignerSeam),
            SeamAttributes = Hex(body.SeamAttributes),
            TeeTcbSvn = Hex(body.TeeTcbSvn),
            ReportData = Hex(body.ReportData),
            TdAttributes = Hex(body.TdAttributes),
            Xfam = Hex(body.Xfam),
            MrServiceTd = body.MrServiceTd is null ? null : Hex(body.MrServiceTd),
            TeeTcbSvn2 = body.TeeTcbSvn2 is null ? null : Hex(body.TeeTcbSvn2),
        };
    }

    private static string Hex(byte[] value) => Convert.ToHexStringLower(value);
}
