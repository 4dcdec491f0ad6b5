using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PhalaWorker.Chain.Native;

namespace PhalaWorker.Chain.Signing;

/// <summary>secp256k1 through libsecp256k1 (constant time, RFC 6979 nonces, low-s by construction).</summary>
internal static unsafe class NativeSecp256k1
{
    private static readonly Lazy<Secp256k1ContextHandle?> s_context = new(CreateContext, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the native library loaded and a context was created.</summary>
    public static bool IsAvailable => s_context.Value is not null;

    private static Secp256k1ContextHandle Context =>
        s_context.Value ?? throw new PlatformNotSupportedException("libsecp256k1 could not be loaded.");

    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            return false;
        }

        fixed (byte* key = privateKey)
        {
            return Secp256k1NativeMethods.secp256k1_ec_seckey_verify(Context, key) == 1;
        }
    }

    public static bool TryGetPublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey64)
    {
        if (privateKey.Length != 32)
        {
            return false;
        }

        var context = Context;
        Span<byte> pubkey = stackalloc byte[Secp256k1NativeMethods.PublicKeyStructSize];
        fixed (byte* key = privateKey)
        fixed (byte* pk = pubkey)
        {
            if (Secp256k1NativeMethods.secp256k1_ec_pubkey_create(context, pk, key) != 1)
            {
                return false;
            }

            return Serialize(context, pk, publicKey64);
        }
    }

    public static bool TrySign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> hash32, Span<byte> signature64, out int recoveryId)
    {
        recoveryId = 0;
        if (privateKey.Length != 32 || hash32.Length != 32)
        {
            return false;
        }

        var context = Context;
        Span<byte> signature = stackalloc byte[Secp256k1NativeMethods.RecoverableSignatureStructSize];
        int recid;
        fixed (byte* key = privateKey)
        fixed (byte* msg = hash32)
        fixed (byte* sig = signature)
        fixed (byte* output = signature64)
        {
            // A null nonce function selects the library's RFC 6979 (HMAC-SHA256) default.
            if (Secp256k1NativeMethods.secp256k1_ecdsa_sign_recoverable(context, sig, msg, key, IntPtr.Zero, IntPtr.Zero) != 1)
            {
                return false;
            }

            Secp256k1NativeMethods.secp256k1_ecdsa_recoverable_signature_serialize_compact(context, output, &recid, sig);
        }

        recoveryId = recid;
        return true;
    }

    public static bool TryRecover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature64, int recoveryId, Span<byte> publicKey64)
    {
        if (hash32.Length != 32 || signature64.Length != 64 || recoveryId is < 0 or > 3)
        {
            return false;
        }

        var context = Context;
        Span<byte> signature = stackalloc byte[Secp256k1NativeMethods.RecoverableSignatureStructSize];
        Span<byte> pubkey = stackalloc byte[Secp256k1NativeMethods.PublicKeyStructSize];
        fixed (byte* msg = hash32)
        fixed (byte* input = signature64)
        fixed (byte* sig = signature)
        fixed (byte* pk = pubkey)
        {
            if (Secp256k1NativeMethods.secp256k1_ecdsa_recoverable_signature_parse_compact(context, sig, input, recoveryId) != 1
                || Secp256k1NativeMethods.secp256k1_ecdsa_recover(context, pk, sig, msg) != 1)
            {
                return false;
            }

            return Serialize(context, pk, publicKey64);
        }
    }

    private static bool Serialize(Secp256k1ContextHandle context, byte* pubkey, Span<byte> publicKey64)
    {
        Span<byte> serialized = stackalloc byte[65];
        nuint length = 65;
        fixed (byte* output = serialized)
        {
            if (Secp256k1NativeMethods.secp256k1_ec_pubkey_serialize(context, output, &length, pubkey, Secp256k1NativeMethods.EcUncompressed) != 1
                || length != 65)
            {
                return false;
            }
        }

        serialized[1..].CopyTo(publicKey64);
        return true;
    }

    private static Secp256k1ContextHandle? CreateContext()
    {
        try
        {
            if (!Secp256k1NativeMethods.TryLoad())
            {
                return null;
            }

            var handle = new Secp256k1ContextHandle();
            var raw = Secp256k1NativeMethods.secp256k1_context_create(Secp256k1NativeMethods.ContextNone);
            if (raw == IntPtr.Zero)
            {
                return null;
            }

            Marshal.InitHandle(handle, raw);

            // Blinding against side channels: randomize once, before any concurrent use.
            Span<byte> seed = stackalloc byte[32];
            RandomNumberGenerator.Fill(seed);
            fixed (byte* s = seed)
            {
                var ok = Secp256k1NativeMethods.secp256k1_context_randomize(handle, s);
                CryptographicOperations.ZeroMemory(seed);
                if (ok != 1)
                {
                    handle.Dispose();
                    return null;
                }
            }

            return handle;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }
}
