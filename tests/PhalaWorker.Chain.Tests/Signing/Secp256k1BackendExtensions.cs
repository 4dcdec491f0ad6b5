using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Signing;

internal static class Secp256k1BackendExtensions
{
    public static void RequireAvailable(this Secp256k1Backend backend)
    {
        if (backend == Secp256k1Backend.Native)
        {
            Assume.That(NativeSecp256k1.IsAvailable, "libsecp256k1 (libsecp256k1.so.1) is not installed on this machine");
        }
    }

    public static (byte[] R, byte[] S, int RecoveryId) Sign(this Secp256k1Backend backend, ReadOnlySpan<byte> key, ReadOnlySpan<byte> hash)
    {
        var signature = new byte[64];
        var ok = backend == Secp256k1Backend.Native
            ? NativeSecp256k1.TrySign(key, hash, signature, out var recoveryId)
            : ManagedSecp256k1.TrySign(key, hash, signature, out recoveryId);
        Assert.That(ok, Is.True, "signing failed");
        return (signature[..32], signature[32..], recoveryId);
    }

    public static byte[]? Recover(this Secp256k1Backend backend, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature64, int recoveryId)
    {
        var publicKey = new byte[64];
        var ok = backend == Secp256k1Backend.Native
            ? NativeSecp256k1.TryRecover(hash, signature64, recoveryId, publicKey)
            : ManagedSecp256k1.TryRecover(hash, signature64, recoveryId, publicKey);
        return ok ? publicKey : null;
    }

    public static byte[]? PublicKey(this Secp256k1Backend backend, ReadOnlySpan<byte> key)
    {
        var publicKey = new byte[64];
        var ok = backend == Secp256k1Backend.Native
            ? NativeSecp256k1.TryGetPublicKey(key, publicKey)
            : ManagedSecp256k1.TryGetPublicKey(key, publicKey);
        return ok ? publicKey : null;
    }

    public static bool IsValidPrivateKey(this Secp256k1Backend backend, ReadOnlySpan<byte> key) =>
        backend == Secp256k1Backend.Native ? NativeSecp256k1.IsValidPrivateKey(key) : ManagedSecp256k1.IsValidPrivateKey(key);
}
