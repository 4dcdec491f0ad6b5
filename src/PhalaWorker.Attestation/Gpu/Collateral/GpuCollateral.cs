using System.Text;
using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Gpu.Collateral;

/// <summary>
/// What a GPU appraisal needs besides the evidence: the driver and VBIOS RIMs (SWID XML by RIM id) and the OCSP responses
/// (DER) for the device and RIM chains. The node staples it to its attestation so a client can verify the GPUs offline.
/// JSON form (<see cref="Format"/>): <c>{"format","rims":{"&lt;rim id&gt;":"base64 XML",…},"ocsp":["base64 DER",…],"missing":["why",…]}</c>.
/// </summary>
/// <param name="Rims">RIM documents by RIM id.</param>
/// <param name="OcspResponses">DER OCSPResponses, matched to certificates by CertID when verifying.</param>
/// <param name="Missing">What could not be had, with the reason (the verifier then reports it unavailable).</param>
public sealed record GpuCollateral(IReadOnlyDictionary<string, byte[]> Rims, IReadOnlyList<byte[]> OcspResponses, IReadOnlyList<string> Missing)
{
    /// <summary>The format tag of the JSON form.</summary>
    public const string Format = "phala-worker/gpu-collateral/v1";

    /// <summary>Largest accepted JSON form (RIMs are ~100 KiB each, OCSP responses ~2 KiB).</summary>
    public const int MaxJsonBytes = 8 << 20;

    /// <summary>No collateral.</summary>
    public static GpuCollateral Empty { get; } = new(new Dictionary<string, byte[]>(StringComparer.Ordinal), [], []);

    /// <summary>The verification context with these RIMs and OCSP responses.</summary>
    public GpuVerificationContext ApplyTo(GpuVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context with { Rims = [.. Rims.Values], Ocsp = OcspResponseSet.FromDer(OcspResponses) };
    }

    /// <summary>The JSON form (RIM ids sorted, so equal collateral gives equal bytes).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteStartObject("rims");
            foreach (var (id, xml) in Rims.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                writer.WriteBase64String(id, xml);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("ocsp");
            foreach (var der in OcspResponses)
            {
                writer.WriteBase64StringValue(der);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("missing");
            foreach (var why in Missing)
            {
                writer.WriteStringValue(why);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses the JSON form; throws <see cref="GpuEvidenceFormatException"/> naming the field.</summary>
    public static GpuCollateral FromJson(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxJsonBytes)
        {
            throw new GpuEvidenceFormatException("gpuCollateral", $"{utf8Json.Length} bytes exceed the {MaxJsonBytes}-byte limit");
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != Format)
            {
                throw new GpuEvidenceFormatException("gpuCollateral.format", $"not {Format}");
            }

            var rims = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (root.TryGetProperty("rims", out var rimsElement))
            {
                if (rimsElement.ValueKind != JsonValueKind.Object)
                {
                    throw new GpuEvidenceFormatException("gpuCollateral.rims", "must be an object of base64 strings by RIM id");
                }

                foreach (var rim in rimsElement.EnumerateObject())
                {
                    rims[rim.Name] = rim.Value.ValueKind == JsonValueKind.String && rim.Value.TryGetBytesFromBase64(out var xml)
                        ? xml
                        : throw new GpuEvidenceFormatException($"gpuCollateral.rims.{rim.Name}", "is not base64");
                }
            }

            return new GpuCollateral(rims, Strings(root, "ocsp", base64: true).Select(Convert.FromBase64String).ToList(), Strings(root, "missing", base64: false));
        }
        catch (JsonException ex)
        {
            throw new GpuEvidenceFormatException("gpuCollateral", $"invalid JSON: {ex.Message}");
        }
    }

    private static List<string> Strings(JsonElement root, string field, bool base64)
    {
        var values = new List<string>();
        if (!root.TryGetProperty(field, out var array))
        {
            return values;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new GpuEvidenceFormatException($"gpuCollateral.{field}", "must be an array of strings");
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || (base64 && !item.TryGetBytesFromBase64(out _)))
            {
                throw new GpuEvidenceFormatException($"gpuCollateral.{field}[{values.Count}]", base64 ? "is not base64" : "is not a string");
            }

            values.Add(item.GetString()!);
        }

        return values;
    }
}
