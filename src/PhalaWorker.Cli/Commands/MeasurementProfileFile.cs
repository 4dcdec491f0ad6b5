using System.Text.Json;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// Reads accepted measurement profiles from a file: one MeasurementProfileJson object, an array of them, or the object
/// <c>phala-worker measurements show --json</c> prints (its <c>profile</c> member).
/// </summary>
internal static class MeasurementProfileFile
{
    public static IReadOnlyList<MeasurementProfile> Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file.FullName), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return [.. root.EnumerateArray().Select(MeasurementProfileJson.Read)];
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("profile", out var profile))
            {
                return profile.ValueKind == JsonValueKind.Object
                    ? [MeasurementProfileJson.Read(profile)]
                    : throw new CliException($"--measurements {file.FullName}: its 'profile' is null (the TD measurements of that TEE are not known; give a full profile)");
            }

            return [MeasurementProfileJson.Read(root)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or AttestationException)
        {
            throw new CliException($"--measurements {file.FullName}: {ex.Message}");
        }
    }
}
