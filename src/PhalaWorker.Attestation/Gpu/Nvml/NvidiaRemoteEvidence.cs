using System.Text.Json;

namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>
/// NVIDIA's "remote evidence" form of GPU attestation evidence, as <see cref="NvmlGpuEvidenceProvider"/> publishes it:
/// a UTF-8 JSON array with one object per GPU,
/// <c>{"arch":"HOPPER","certificate":base64(PEM chain),"evidence":base64(SPDM report),"nonce":hex,"driverVersion","vbiosVersion","uuid"}</c>.
/// </summary>
public static class NvidiaRemoteEvidence
{
    /// <summary>The <see cref="GpuEvidence.Format"/> tag.</summary>
    public const string Format = "nvidia-remote-evidence/v1";

    /// <summary>Writes the JSON array.</summary>
    public static byte[] Write(IReadOnlyList<NvmlGpuEvidence> gpus)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var gpu in gpus)
            {
                writer.WriteStartObject();
                writer.WriteString("arch", gpu.Architecture);
                writer.WriteBase64String("certificate", gpu.CertificateChain);
                writer.WriteBase64String("evidence", gpu.Report);
                writer.WriteString("nonce", Convert.ToHexStringLower(gpu.Nonce));
                writer.WriteString("driverVersion", gpu.DriverVersion);
                writer.WriteString("vbiosVersion", gpu.VbiosVersion);
                writer.WriteString("uuid", gpu.Uuid);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }
}
