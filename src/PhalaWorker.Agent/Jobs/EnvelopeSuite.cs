using PhalaWorker.Agent.Grpc;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>Checks a <see cref="SealedEnvelope"/>'s framing (version 1, DHKEM(X25519), HKDF-SHA256, a supported AEAD).</summary>
internal static class EnvelopeSuite
{
    public const uint Version = 1;
    public const uint KemX25519HkdfSha256 = 0x0020;
    public const uint KdfHkdfSha256 = 0x0001;
    public const int EncLength = 32;

    public static HpkeAead Validate(SealedEnvelope? envelope)
    {
        if (envelope is null)
        {
            RpcErrors.InvalidArgument("ENVELOPE_MISSING", "envelope is required");
        }

        if (envelope.Version != Version)
        {
            RpcErrors.InvalidArgument("ENVELOPE_VERSION", $"envelope version {envelope.Version} is not supported (expected {Version})");
        }

        var suite = envelope.Suite;
        if (suite is null || suite.KemId != KemX25519HkdfSha256 || suite.KdfId != KdfHkdfSha256 || suite.AeadId is < 1 or > 3)
        {
            RpcErrors.InvalidArgument("ENVELOPE_SUITE",
                $"HPKE suite kem=0x{suite?.KemId:x4} kdf=0x{suite?.KdfId:x4} aead=0x{suite?.AeadId:x4} is not supported (kem 0x0020, kdf 0x0001, aead 0x0001..0x0003)");
        }

        if (envelope.Enc.Length != EncLength)
        {
            RpcErrors.InvalidArgument("ENVELOPE_ENC_LENGTH", $"enc must be {EncLength} bytes, got {envelope.Enc.Length}");
        }

        return (HpkeAead)suite.AeadId;
    }
}
