using System.Globalization;
using System.Text;
using System.Text.Json;
using PhalaWorker.Attestation.Emulation;

namespace PhalaWorker.Attestation.Gpu;

/// <summary>Emulated GPU evidence (<see cref="EmulatedGpuEvidence"/>) signed by the emulated TEE's GPU attestation key.</summary>
public sealed class EmulatedGpuEvidenceProvider(EmulatedTee tee, TimeProvider timeProvider, int gpuCount = 1) : IGpuEvidenceProvider
{
    /// <inheritdoc />
    public string Name => "emulated";

    /// <inheritdoc />
    public ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(tee);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (nonce.Length is < 16 or > 64)
        {
            throw new ArgumentException("The GPU evidence nonce must be 16..64 bytes.", nameof(nonce));
        }

        var report = Json(w =>
        {
            w.WriteString("format", EmulatedGpuEvidence.Format);
            w.WriteString("issuedAt", timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteString("nonce", Convert.ToHexStringLower(nonce.Span));
            w.WriteString("publicKey", Convert.ToHexStringLower(tee.GpuAttestationPublicKey));
            w.WriteStartArray("gpus");
            for (var i = 0; i < gpuCount; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("index", i);
                w.WriteString("name", "PhalaWorker Emulated GPU");
                w.WriteString("uuid", tee.GpuUuid(i));
                w.WriteString("driverVersion", "0.0.0-emulated");
                w.WriteString("vbiosVersion", "00.00.00.00.00");
                w.WriteString("confidentialComputeMode", "on");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        var evidence = Json(w =>
        {
            w.WriteString("format", EmulatedGpuEvidence.Format);
            w.WriteString("report", report);
            w.WriteString("signature", Convert.ToHexStringLower(tee.SignWithGpuKey(Encoding.UTF8.GetBytes(report))));
        });
        return ValueTask.FromResult(new GpuEvidence(EmulatedGpuEvidence.Format, Encoding.UTF8.GetBytes(evidence)));
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
