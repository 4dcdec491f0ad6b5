using System.Text;
using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Spdm;

namespace PhalaWorker.Attestation.Gpu.Evidence;

/// <summary>
/// NVIDIA's "remote evidence" JSON, the form NVIDIA's attestation SDK hands to a remote verifier: a list (or one object) of
/// <c>{"arch": "HOPPER", "certificate": base64(PEM chain), "evidence": base64(report), "nonce": hex}</c>, with the optional
/// NVML values <c>driverVersion</c>, <c>vbiosVersion</c>, <c>uuid</c> and <c>ccMode</c> (<c>on</c>|<c>off</c>|<c>devtools</c>) that the node adds. Unknown members, wrong types,
/// bad base64/hex, a nonce that is not 32 bytes, an unknown architecture or an empty list are rejected with
/// <see cref="GpuEvidenceFormatException"/> naming the member.
/// </summary>
public static class NvidiaRemoteEvidence
{
    /// <summary>The <see cref="GpuEvidence.Format"/> tag of this form.</summary>
    public const string Format = "nvidia-remote-evidence/v1";

    /// <summary>Largest accepted document.</summary>
    public const int MaxDocumentSize = 4 * 1024 * 1024;

    /// <summary>Most GPUs in one document (an HGX board has 8).</summary>
    public const int MaxGpus = 64;

    private static readonly string[] KnownArchitectures = ["HOPPER", "BLACKWELL"];

    public static IReadOnlyList<GpuEvidenceItem> Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxDocumentSize)
        {
            throw new GpuEvidenceFormatException("evidence", $"remote evidence is {json.Length} bytes, more than {MaxDocumentSize}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new GpuEvidenceFormatException("evidence", $"not JSON: {ex.Message}", -1, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var items = new List<GpuEvidenceItem>();
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    items.Add(ParseItem(root, "evidence"));
                    break;
                case JsonValueKind.Array:
                    var count = root.GetArrayLength();
                    if (count == 0 || count > MaxGpus)
                    {
                        throw new GpuEvidenceFormatException("evidence", $"the list has {count} GPUs; 1..{MaxGpus} are accepted");
                    }

                    var i = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        items.Add(ParseItem(element, $"evidence[{i++}]"));
                    }

                    break;
                default:
                    throw new GpuEvidenceFormatException("evidence", $"expected an object or a list, found {root.ValueKind}");
            }

            return items;
        }
    }

    /// <summary>Writes the list form (UTF-8), the optional NVML members only when set.</summary>
    public static byte[] Serialize(IReadOnlyList<GpuEvidenceItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStartObject();
                writer.WriteString("arch", item.Arch);
                writer.WriteString("certificate", Convert.ToBase64String(item.CertificateChainPem));
                writer.WriteString("evidence", Convert.ToBase64String(item.Report));
                writer.WriteString("nonce", Convert.ToHexStringLower(item.Nonce));
                if (item.DriverVersion is { } driver)
                {
                    writer.WriteString("driverVersion", driver);
                }

                if (item.VbiosVersion is { } vbios)
                {
                    writer.WriteString("vbiosVersion", vbios);
                }

                if (item.Uuid is { } uuid)
                {
                    writer.WriteString("uuid", uuid);
                }

                if (item.CcMode is { } ccMode)
                {
                    writer.WriteString("ccMode", ccMode);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static GpuEvidenceItem ParseItem(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GpuEvidenceFormatException(path, $"expected an object, found {element.ValueKind}");
        }

        string? arch = null, certificate = null, evidence = null, nonce = null, driver = null, vbios = null, uuid = null, ccMode = null;
        foreach (var property in element.EnumerateObject())
        {
            var field = $"{path}.{property.Name}";
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new GpuEvidenceFormatException(field, $"expected a string, found {property.Value.ValueKind}");
            }

            var value = property.Value.GetString()!;
            ref var slot = ref Slot(property.Name, field, ref arch, ref certificate, ref evidence, ref nonce, ref driver, ref vbios, ref uuid, ref ccMode);
            if (slot is not null)
            {
                throw new GpuEvidenceFormatException(field, "appears twice");
            }

            slot = value;
        }

        var archValue = Require(arch, path + ".arch");
        if (!KnownArchitectures.Contains(archValue, StringComparer.Ordinal))
        {
            throw new GpuEvidenceFormatException(path + ".arch", $"architecture '{archValue}' is not one of {string.Join(", ", KnownArchitectures)}");
        }

        var pem = Base64(Require(certificate, path + ".certificate"), path + ".certificate");
        if (!Encoding.ASCII.GetString(pem).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new GpuEvidenceFormatException(path + ".certificate", "does not hold a PEM certificate chain");
        }

        var nonceBytes = Hex(Require(nonce, path + ".nonce"), path + ".nonce");
        if (nonceBytes.Length != 32)
        {
            throw new GpuEvidenceFormatException(path + ".nonce", $"nonce is {nonceBytes.Length} bytes, not 32");
        }

        return new GpuEvidenceItem
        {
            Arch = archValue,
            CertificateChainPem = pem,
            Report = Base64(Require(evidence, path + ".evidence"), path + ".evidence"),
            Nonce = nonceBytes,
            DriverVersion = Printable(driver, path + ".driverVersion"),
            VbiosVersion = Printable(vbios, path + ".vbiosVersion"),
            Uuid = Printable(uuid, path + ".uuid"),
            CcMode = ccMode is null or "on" or "off" or "devtools"
                ? ccMode
                : throw new GpuEvidenceFormatException(path + ".ccMode", $"'{ccMode}' is not one of on, off, devtools"),
        };
    }

    private static ref string? Slot(string name, string field, ref string? arch, ref string? certificate, ref string? evidence, ref string? nonce,
        ref string? driver, ref string? vbios, ref string? uuid, ref string? ccMode)
    {
        switch (name)
        {
            case "arch": return ref arch;
            case "certificate": return ref certificate;
            case "evidence": return ref evidence;
            case "nonce": return ref nonce;
            case "driverVersion": return ref driver;
            case "vbiosVersion": return ref vbios;
            case "uuid": return ref uuid;
            case "ccMode": return ref ccMode;
            default: throw new GpuEvidenceFormatException(field, "unknown member (allowed: arch, certificate, evidence, nonce, driverVersion, vbiosVersion, uuid, ccMode)");
        }
    }

    private static string Require(string? value, string field) =>
        string.IsNullOrEmpty(value) ? throw new GpuEvidenceFormatException(field, "required and must not be empty") : value;

    private static string? Printable(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > 128 || value.Any(c => c is < ' ' or > '~'))
        {
            throw new GpuEvidenceFormatException(field, "must be 1..128 printable ASCII characters");
        }

        return value;
    }

    private static byte[] Base64(string value, string field)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException ex)
        {
            throw new GpuEvidenceFormatException(field, "is not base64", -1, ex);
        }
    }

    private static byte[] Hex(string value, string field)
    {
        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException ex)
        {
            throw new GpuEvidenceFormatException(field, "is not hex", -1, ex);
        }
    }
}
