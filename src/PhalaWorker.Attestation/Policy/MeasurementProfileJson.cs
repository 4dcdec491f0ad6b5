using System.Text.Json;

namespace PhalaWorker.Attestation.Policy;

/// <summary>
/// The one JSON form of a <see cref="MeasurementProfile"/>, used by <c>phala-worker measurements show</c> (which prints it
/// for a build) and <c>phala-worker registry allow-measurements --profile FILE</c> (which puts it on chain):
/// <c>{"name":"…","mrTd":"hex48","rtmr0":"hex48","rtmr1":"hex48","rtmr2":"hex48","agentDigest":"hex32","requiredSettings":{"name":"value",…}}</c>.
/// Byte fields are lowercase hex (a <c>0x</c> prefix is accepted on input); unknown members are refused.
/// </summary>
public static class MeasurementProfileJson
{
    /// <summary>Length of MRTD and each RTMR.</summary>
    public const int MeasurementLength = 48;

    /// <summary>Length of the agent binary digest.</summary>
    public const int AgentDigestLength = 32;

    private static readonly string[] KnownMembers = ["name", "mrTd", "rtmr0", "rtmr1", "rtmr2", "agentDigest", "requiredSettings"];

    /// <summary>Parses one profile; throws <see cref="AttestationException"/> (<see cref="AttestationErrorReason.PolicyFormat"/>) naming the field.</summary>
    public static MeasurementProfile Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw Invalid($"measurement profile JSON is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>Reads one profile from a JSON object.</summary>
    public static MeasurementProfile Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("measurement profile must be a JSON object");
        }

        foreach (var member in root.EnumerateObject())
        {
            if (Array.IndexOf(KnownMembers, member.Name) < 0)
            {
                throw Invalid($"measurement profile has an unknown member '{member.Name}'");
            }
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("requiredSettings", out var settingsElement) && settingsElement.ValueKind != JsonValueKind.Null)
        {
            if (settingsElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("measurement profile field 'requiredSettings' must be an object of strings");
            }

            foreach (var setting in settingsElement.EnumerateObject())
            {
                if (setting.Value.ValueKind != JsonValueKind.String || setting.Name.Length == 0)
                {
                    throw Invalid($"measurement profile setting '{setting.Name}' must be a non-empty name with a string value");
                }

                settings[setting.Name] = setting.Value.GetString()!;
            }
        }

        return new MeasurementProfile
        {
            Name = root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : throw Invalid("measurement profile field 'name' is missing"),
            MrTd = Hex(root, "mrTd", MeasurementLength),
            Rtmr0 = Hex(root, "rtmr0", MeasurementLength),
            Rtmr1 = Hex(root, "rtmr1", MeasurementLength),
            Rtmr2 = Hex(root, "rtmr2", MeasurementLength),
            AgentDigest = Hex(root, "agentDigest", AgentDigestLength),
            RequiredSettings = settings,
        };
    }

    /// <summary>Writes one profile (settings sorted by name, ordinal).</summary>
    public static string ToJson(MeasurementProfile profile, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, profile);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes one profile as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, MeasurementProfile profile)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(profile);
        writer.WriteStartObject();
        writer.WriteString("name", profile.Name);
        writer.WriteString("mrTd", Convert.ToHexStringLower(profile.MrTd));
        writer.WriteString("rtmr0", Convert.ToHexStringLower(profile.Rtmr0));
        writer.WriteString("rtmr1", Convert.ToHexStringLower(profile.Rtmr1));
        writer.WriteString("rtmr2", Convert.ToHexStringLower(profile.Rtmr2));
        writer.WriteString("agentDigest", Convert.ToHexStringLower(profile.AgentDigest));
        writer.WriteStartObject("requiredSettings");
        foreach (var (key, value) in profile.RequiredSettings.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static byte[] Hex(JsonElement root, string field, int length)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"measurement profile field '{field}' is missing (hex, {length} bytes)");
        }

        var text = element.GetString()!;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(text);
        }
        catch (FormatException ex)
        {
            throw Invalid($"measurement profile field '{field}' is not hex", ex);
        }

        return bytes.Length == length ? bytes : throw Invalid($"measurement profile field '{field}' has {bytes.Length} bytes, expected {length}");
    }

    private static AttestationException Invalid(string message, Exception? inner = null) =>
        new(AttestationErrorReason.PolicyFormat, message, inner);
}
