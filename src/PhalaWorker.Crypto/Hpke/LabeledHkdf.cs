using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>LabeledExtract and LabeledExpand over HKDF-SHA256 (RFC 9180 §4).</summary>
internal static class LabeledHkdf
{
    /// <summary>Nh for HKDF-SHA256.</summary>
    public const int HashLength = 32;

    /// <summary>HKDF-SHA256 identifier (0x0001).</summary>
    public const ushort KdfId = 0x0001;

    private const int StackLimit = 256;

    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    /// <summary>LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). <paramref name="prk"/> is 32 bytes.</summary>
    public static void Extract(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        int length = Version.Length + suiteId.Length + label.Length + ikm.Length;
        byte[]? rented = null;
        Span<byte> labeledIkm = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        labeledIkm = labeledIkm[..length];
        try
        {
            int offset = 0;
            Append(labeledIkm, ref offset, Version);
            Append(labeledIkm, ref offset, suiteId);
            Append(labeledIkm, ref offset, label);
            Append(labeledIkm, ref offset, ikm);
            HKDF.Extract(HashAlgorithmName.SHA256, labeledIkm, salt, prk[..HashLength]);
        }
        finally
        {
            // The labeled IKM carries the DH output or the PSK.
            CryptographicOperations.ZeroMemory(labeledIkm);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L); L = output length.</summary>
    public static void Expand(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length > 255 * HashLength)
        {
            throw new CryptoException(CryptoErrorReason.ExportLengthTooLarge, $"HKDF-SHA256 cannot expand to {output.Length} bytes (at most {255 * HashLength}).");
        }

        int length = 2 + Version.Length + suiteId.Length + label.Length + info.Length;
        byte[]? rented = null;
        Span<byte> labeledInfo = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        labeledInfo = labeledInfo[..length];
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(labeledInfo, (ushort)output.Length);
            int offset = 2;
            Append(labeledInfo, ref offset, Version);
            Append(labeledInfo, ref offset, suiteId);
            Append(labeledInfo, ref offset, label);
            Append(labeledInfo, ref offset, info);
            HKDF.Expand(HashAlgorithmName.SHA256, prk, output, labeledInfo);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Append(Span<byte> destination, ref int offset, ReadOnlySpan<byte> value)
    {
        value.CopyTo(destination[offset..]);
        offset += value.Length;
    }
}
