using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PhalaWorker.Attestation.Gpu;

/// <summary>
/// The emulated GPU evidence format: UTF-8 JSON <c>{"format","report","signature"}</c> where <c>report</c> is a JSON string
/// (GPUs, nonce, issue time, the signing key) signed with ECDSA P-256/SHA-256 (raw r ‖ s hex) by the emulated TEE's GPU
/// attestation key. It stands in for NVIDIA's SPDM evidence so the whole binding path runs without a GPU; verifiers trust it
/// only when they trust the emulated TEE.
/// </summary>
public static class EmulatedGpuEvidence
{
    /// <summary>The format tag.</summary>
    public const string Format = "phala-worker/emulated-gpu-evidence/v1";

    /// <summary>Checks the signature (against <paramref name="expectedPublicKey"/>, X ‖ Y) and that the report carries <paramref name="nonce"/>.</summary>
    /// <returns>Null when valid, else the reason.</returns>
    public static string? Verify(ReadOnlySpan<byte> evidence, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> expectedPublicKey)
    {
        try
        {
            using var document = JsonDocument.Parse(evidence.ToArray());
            var root = document.RootElement;
            if (root.GetProperty("format").GetString() != Format)
            {
                return "not emulated GPU evidence";
            }

            var report = root.GetProperty("report").GetString() ?? string.Empty;
            var signature = Convert.FromHexString(root.GetProperty("signature").GetString() ?? string.Empty);
            using var reportDocument = JsonDocument.Parse(report);
            var publicKey = Convert.FromHexString(reportDocument.RootElement.GetProperty("publicKey").GetString() ?? string.Empty);
            if (!CryptographicOperations.FixedTimeEquals(publicKey, expectedPublicKey))
            {
                return "GPU evidence signed by an unexpected key";
            }

            using var key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = publicKey[..32], Y = publicKey[32..] },
            });
            if (!key.VerifyData(Encoding.UTF8.GetBytes(report), signature, HashAlgorithmName.SHA256))
            {
                return "GPU evidence signature is invalid";
            }

            var reportNonce = Convert.FromHexString(reportDocument.RootElement.GetProperty("nonce").GetString() ?? string.Empty);
            return CryptographicOperations.FixedTimeEquals(reportNonce, nonce) ? null : "GPU evidence nonce does not match";
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or CryptographicException or ArgumentException)
        {
            return $"malformed GPU evidence: {ex.Message}";
        }
    }
}
