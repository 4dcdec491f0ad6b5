using Nethereum.Util;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// EIP-191 version 0x45 (personal_sign): keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message), hashed by
/// Nethereum's <see cref="EthereumMessageHasher"/> (what <c>EthereumMessageSigner</c> hashes with). Signing stays on
/// <see cref="EthSigner"/> (libsecp256k1): the key never enters Nethereum's <c>EthECKey</c>.
/// </summary>
public static class Eip191
{
    private static readonly EthereumMessageHasher s_hasher = new();

    /// <summary>The personal_sign hash of raw message bytes.</summary>
    public static Hash32 HashMessage(ReadOnlySpan<byte> message) => new(s_hasher.HashPrefixedMessage(message.ToArray()));

    /// <summary>The personal_sign hash of a UTF-8 message.</summary>
    public static Hash32 HashMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(s_hasher.HashPrefixedMessage(message));
    }

    /// <summary>The address that personal_signed <paramref name="message"/>.</summary>
    public static EthAddress RecoverMessageSigner(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature65) =>
        Secp256k1.Recover(HashMessage(message), signature65);
}
