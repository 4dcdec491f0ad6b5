using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace PhalaWorker.Cli.Internal;

/// <summary>
/// scrypt (RFC 7914: PBKDF2-HMAC-SHA256, ROMix over BlockMix with Salsa20/8). Written here because keystores made by
/// geth use N = 2^18 with r = 1, which BouncyCastle's SCrypt refuses (it enforces N &lt; 2^(16r)); the caller bounds N, r
/// and p.
/// </summary>
internal static class Scrypt
{
    public static byte[] Derive(byte[] password, byte[] salt, int n, int r, int p, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(r, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        var blockWords = 32 * r;
        var b = Rfc2898DeriveBytes.Pbkdf2(password, salt, 1, HashAlgorithmName.SHA256, p * 128 * r);
        var x = new uint[blockWords];
        var v = new uint[(long)blockWords * n];
        var scratch = new uint[blockWords];
        try
        {
            for (var lane = 0; lane < p; lane++)
            {
                var bytes = b.AsSpan(lane * 128 * r, 128 * r);
                for (var i = 0; i < blockWords; i++)
                {
                    x[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
                }

                for (var i = 0; i < n; i++)
                {
                    x.CopyTo(v.AsSpan(i * blockWords, blockWords));
                    BlockMix(x, scratch, r);
                }

                for (var i = 0; i < n; i++)
                {
                    var j = (int)(x[(2 * r - 1) * 16] & (uint)(n - 1));
                    var vj = v.AsSpan(j * blockWords, blockWords);
                    for (var k = 0; k < blockWords; k++)
                    {
                        x[k] ^= vj[k];
                    }

                    BlockMix(x, scratch, r);
                }

                for (var i = 0; i < blockWords; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], x[i]);
                }
            }

            return Rfc2898DeriveBytes.Pbkdf2(password, b, 1, HashAlgorithmName.SHA256, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(b);
            Array.Clear(v);
            Array.Clear(x);
            Array.Clear(scratch);
        }
    }

    /// <summary>BlockMix: Y_i = Salsa20/8(Y_{i-1} xor B_i); output the even Y then the odd Y.</summary>
    private static void BlockMix(uint[] b, uint[] y, int r)
    {
        Span<uint> t = stackalloc uint[16];
        b.AsSpan((2 * r - 1) * 16, 16).CopyTo(t);
        for (var i = 0; i < 2 * r; i++)
        {
            for (var k = 0; k < 16; k++)
            {
                t[k] ^= b[i * 16 + k];
            }

            Salsa208(t);
            t.CopyTo(y.AsSpan((i / 2 + (i % 2) * r) * 16, 16));
        }

        y.CopyTo(b, 0);
    }

    private static void Salsa208(Span<uint> block)
    {
        Span<uint> x = stackalloc uint[16];
        block.CopyTo(x);
        for (var round = 0; round < 8; round += 2)
        {
            x[4] ^= BitOperations.RotateLeft(x[0] + x[12], 7); x[8] ^= BitOperations.RotateLeft(x[4] + x[0], 9);
            x[12] ^= BitOperations.RotateLeft(x[8] + x[4], 13); x[0] ^= BitOperations.RotateLeft(x[12] + x[8], 18);
            x[9] ^= BitOperations.RotateLeft(x[5] + x[1], 7); x[13] ^= BitOperations.RotateLeft(x[9] + x[5], 9);
            x[1] ^= BitOperations.RotateLeft(x[13] + x[9], 13); x[5] ^= BitOperations.RotateLeft(x[1] + x[13], 18);
            x[14] ^= BitOperations.RotateLeft(x[10] + x[6], 7); x[2] ^= BitOperations.RotateLeft(x[14] + x[10], 9);
            x[6] ^= BitOperations.RotateLeft(x[2] + x[14], 13); x[10] ^= BitOperations.RotateLeft(x[6] + x[2], 18);
            x[3] ^= BitOperations.RotateLeft(x[15] + x[11], 7); x[7] ^= BitOperations.RotateLeft(x[3] + x[15], 9);
            x[11] ^= BitOperations.RotateLeft(x[7] + x[3], 13); x[15] ^= BitOperations.RotateLeft(x[11] + x[7], 18);
            x[1] ^= BitOperations.RotateLeft(x[0] + x[3], 7); x[2] ^= BitOperations.RotateLeft(x[1] + x[0], 9);
            x[3] ^= BitOperations.RotateLeft(x[2] + x[1], 13); x[0] ^= BitOperations.RotateLeft(x[3] + x[2], 18);
            x[6] ^= BitOperations.RotateLeft(x[5] + x[4], 7); x[7] ^= BitOperations.RotateLeft(x[6] + x[5], 9);
            x[4] ^= BitOperations.RotateLeft(x[7] + x[6], 13); x[5] ^= BitOperations.RotateLeft(x[4] + x[7], 18);
            x[11] ^= BitOperations.RotateLeft(x[10] + x[9], 7); x[8] ^= BitOperations.RotateLeft(x[11] + x[10], 9);
            x[9] ^= BitOperations.RotateLeft(x[8] + x[11], 13); x[10] ^= BitOperations.RotateLeft(x[9] + x[8], 18);
            x[12] ^= BitOperations.RotateLeft(x[15] + x[14], 7); x[13] ^= BitOperations.RotateLeft(x[12] + x[15], 9);
            x[14] ^= BitOperations.RotateLeft(x[13] + x[12], 13); x[15] ^= BitOperations.RotateLeft(x[14] + x[13], 18);
        }

        for (var i = 0; i < 16; i++)
        {
            block[i] += x[i];
        }
    }
}
