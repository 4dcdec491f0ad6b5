using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>
/// The result of verifying the evidence of all of a node's GPUs under a <see cref="Policy.GpuAttestationPolicy"/>: valid
/// only when there is at least one GPU and every GPU is valid; the first failure (GPU, check, item) and each GPU's appraisal.
/// </summary>
public sealed record GpuAppraisal
{
    public required bool Valid { get; init; }

    /// <summary>The first failure, prefixed with its GPU ("GPU 0: …"); null when valid.</summary>
    public string? Reason { get; init; }

    public GpuCheck? FailedCheck { get; init; }

    public string? FailedItem { get; init; }

    /// <summary>Index of the first rejected GPU.</summary>
    public int? FailedGpu { get; init; }

    public IReadOnlyList<GpuDeviceAppraisal> Gpus { get; init; } = [];

    /// <summary>True when any GPU's chain ends at the emulated root.</summary>
    public bool Emulated { get; init; }

    public DateTimeOffset VerifiedAt { get; init; }

    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(this, indented ? GpuAppraisalJsonContext.Default.GpuAppraisal : GpuAppraisalJsonContext.Compact.GpuAppraisal);

    /// <summary>NVIDIA-style EAT claims: <c>x-nvidia-overall-att-result</c> and one claim set per GPU (<c>GPU-0</c>, …).</summary>
    public JsonObject ToClaims()
    {
        var submods = new JsonObject();
        foreach (var gpu in Gpus)
        {
            submods[$"GPU-{gpu.Index}"] = gpu.ToClaims();
        }

        return new JsonObject
        {
            ["x-nvidia-overall-att-result"] = Valid,
            ["x-nvidia-ver"] = "1.0",
            ["iat"] = VerifiedAt.ToUnixTimeSeconds(),
            ["submods"] = submods,
        };
    }
}

[JsonSerializable(typeof(GpuAppraisal))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class GpuAppraisalJsonContext : JsonSerializerContext
{
    public static GpuAppraisalJsonContext Compact { get; } = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false });
}
