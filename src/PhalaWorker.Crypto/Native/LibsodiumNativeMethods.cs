using System.Reflection;
using System.Runtime.InteropServices;

namespace PhalaWorker.Crypto.Native;

/// <summary>
/// libsodium's X25519 (constant time; rejects small-order points). The library is the native asset that the
/// NSec.Cryptography package brings (runtimes/*/native/libsodium.*); Debian's libsodium.so.23 is the fallback.
/// </summary>
internal static partial class LibsodiumNativeMethods
{
    private const string LibraryName = "libsodium";

    /// <summary>crypto_scalarmult_curve25519_BYTES and _SCALARBYTES.</summary>
    public const int X25519Bytes = 32;

    static LibsodiumNativeMethods()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibsodiumNativeMethods).Assembly, Resolve);

        // sodium_init picks the fastest implementation for this CPU; 0 = initialized now, 1 = already initialized.
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialize.");
        }
    }

    /// <summary>q = X25519(n, p); returns -1 when the result is all zero (p of small order).</summary>
    [LibraryImport(LibraryName)]
    internal static partial int crypto_scalarmult_curve25519(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    /// <summary>q = X25519(n, 9), the public key of n.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int crypto_scalarmult_curve25519_base(Span<byte> q, ReadOnlySpan<byte> n);

    [LibraryImport(LibraryName)]
    private static partial int sodium_init();

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out IntPtr handle) ||
            NativeLibrary.TryLoad("libsodium.so.23", assembly, searchPath, out handle))
        {
            return handle;
        }

        return IntPtr.Zero;
    }
}
