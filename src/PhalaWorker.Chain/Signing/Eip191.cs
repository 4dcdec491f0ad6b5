using System.Buffers;
using System.Globalization;
using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>EIP-191 version 0x45 (personal_sign): keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message).</summary>
public static class Eip191
{
    private const string Prefix = "\u0019Ethereum Signed Message:\n";

    /// <summary>The personal_sign hash of raw message bytes.</summary>
    public static Hash32 HashMessage(ReadOnlySpan<byte> message)
    {
        var header = Encoding.ASCII.GetBytes(Prefix + message.Length.ToString(CultureInfo.InvariantCulture));
        return Keccak256.Hash(header, message);
    }

    /// <summary>The personal_sign hash of a UTF-8 message.</summary>
    public static Hash32 HashMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var length = Encoding.UTF8.GetByteCount(message);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(message, buffer);
            return HashMessage(buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The address that personal_signed <paramref name="message"/>.</summary>
    public static EthAddress RecoverMessageSigner(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature65) =>
        Secp256k1.Recover(HashMessage(message), signature65);
}
