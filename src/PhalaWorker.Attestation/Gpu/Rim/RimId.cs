using System.Diagnostics.CodeAnalysis;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The identifier NVIDIA's RIM service files a RIM under, as a verifier derives it from an attestation report:
/// <c>NV_GPU_DRIVER_GH100_550.90.07</c> (chip, driver version) or <c>NV_GPU_VBIOS_1010_0200_882_96009F0001</c>
/// (project, project SKU, chip SKU, VBIOS version without dots, upper case). The id is not part of the signed XML;
/// <see cref="ReferenceIntegrityManifest.Parse(ReadOnlySpan{byte}, RimId)"/> checks it against the signed product and version.
/// </summary>
public readonly record struct RimId
{
    /// <summary>Prefix of driver RIM ids.</summary>
    public const string DriverPrefix = "NV_GPU_DRIVER_";

    /// <summary>Prefix of VBIOS RIM ids.</summary>
    public const string VbiosPrefix = "NV_GPU_VBIOS_";

    /// <summary>Longest id accepted.</summary>
    public const int MaxLength = 128;

    private RimId(string value, RimKind kind)
    {
        Value = value;
        Kind = kind;
    }

    /// <summary>The id as NVIDIA writes it.</summary>
    public string Value { get; }

    /// <summary>Driver or VBIOS, from the prefix.</summary>
    public RimKind Kind { get; }

    /// <summary>Parses an id; throws <see cref="RimFormatException"/> (field <c>id</c>) when it is not a driver or VBIOS RIM id.</summary>
    public static RimId Parse(string value) =>
        TryParse(value, out var id, out var error) ? id : throw new RimFormatException("id", error);

    /// <summary>Parses an id without throwing.</summary>
    public static bool TryParse(string? value, out RimId id) => TryParse(value, out id, out _);

    /// <summary>The id NVIDIA files a driver RIM under: <c>NV_GPU_DRIVER_{chip}_{driverVersion}</c>.</summary>
    public static RimId ForDriver(string chip, string driverVersion) => Parse(DriverPrefix + chip + "_" + driverVersion);

    /// <summary>The id of a VBIOS RIM: <c>NV_GPU_VBIOS_{project}_{projectSku}_{chipSku}_{version without dots, upper case}</c>.</summary>
    public static RimId ForVbios(string project, string projectSku, string chipSku, string vbiosVersion) =>
        Parse(VbiosPrefix + project + "_" + projectSku + "_" + chipSku + "_" + vbiosVersion.Replace(".", string.Empty, StringComparison.Ordinal).ToUpperInvariant());

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? value, out RimId id, [NotNullWhen(false)] out string? error)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            error = $"a RIM id is 1..{MaxLength} characters";
            return false;
        }

        RimKind kind;
        string rest;
        int parts;
        if (value.StartsWith(DriverPrefix, StringComparison.Ordinal))
        {
            (kind, rest, parts) = (RimKind.Driver, value[DriverPrefix.Length..], 2);
        }
        else if (value.StartsWith(VbiosPrefix, StringComparison.Ordinal))
        {
            (kind, rest, parts) = (RimKind.Vbios, value[VbiosPrefix.Length..], 4);
        }
        else
        {
            error = $"'{Printable(value)}' starts with neither {DriverPrefix} nor {VbiosPrefix}";
            return false;
        }

        var fields = rest.Split('_');
        if (fields.Length != parts || fields.Any(f => f.Length == 0 || !f.All(IsIdChar)))
        {
            error = $"'{Printable(value)}' is not {(kind == RimKind.Driver ? "NV_GPU_DRIVER_<chip>_<version>" : "NV_GPU_VBIOS_<project>_<sku>_<chip sku>_<version>")}";
            return false;
        }

        id = new RimId(value, kind);
        error = null;
        return true;
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '.';

    private static string Printable(string value) => new(value.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
