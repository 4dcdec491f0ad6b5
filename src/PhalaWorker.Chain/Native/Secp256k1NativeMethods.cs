using System.Reflection;
using System.Runtime.InteropServices;

namespace PhalaWorker.Chain.Native;

/// <summary>
/// P/Invoke surface of libsecp256k1 (Debian <c>libsecp256k1-1</c>, built with the recovery module).
/// Opaque structs are passed as byte buffers of their documented sizes (pubkey 64, recoverable signature 65).
/// </summary>
internal static unsafe partial class Secp256k1NativeMethods
{
    public const string LibraryName = "secp256k1";

    /// <summary>SECP256K1_CONTEXT_NONE (0.2+; older releases treat it as "no precomputation", which sign/verify no longer need).</summary>
    public const uint ContextNone = 1;

    /// <summary>SECP256K1_EC_UNCOMPRESSED.</summary>
    public const uint EcUncompressed = 1 << 1;

    public const int PublicKeyStructSize = 64;
    public const int RecoverableSignatureStructSize = 65;

    // Debian ships only the versioned soname unless the -dev package is installed; try it first.
    private static readonly string[] s_candidates =
    [
        "libsecp256k1.so.1", "libsecp256k1.so.2", "libsecp256k1.so.5", "libsecp256k1.so", "libsecp256k1.dylib", "libsecp256k1.dll", "secp256k1.dll",
    ];

    static Secp256k1NativeMethods()
    {
        NativeLibrary.SetDllImportResolver(typeof(Secp256k1NativeMethods).Assembly, Resolve);
    }

    /// <summary>Forces the static constructor (resolver registration) and tries to load the library.</summary>
    public static bool TryLoad()
    {
        return Resolve(LibraryName, typeof(Secp256k1NativeMethods).Assembly, null) != IntPtr.Zero;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in s_candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    [LibraryImport(LibraryName)]
    public static partial IntPtr secp256k1_context_create(uint flags);

    [LibraryImport(LibraryName)]
    public static partial void secp256k1_context_destroy(IntPtr context);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_context_randomize(Secp256k1ContextHandle context, byte* seed32);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ec_seckey_verify(Secp256k1ContextHandle context, byte* secretKey32);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ec_pubkey_create(Secp256k1ContextHandle context, byte* publicKey64, byte* secretKey32);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ec_pubkey_serialize(Secp256k1ContextHandle context, byte* output, nuint* outputLength, byte* publicKey64, uint flags);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ecdsa_sign_recoverable(
        Secp256k1ContextHandle context, byte* signature65, byte* messageHash32, byte* secretKey32, IntPtr nonceFunction, IntPtr nonceData);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ecdsa_recoverable_signature_serialize_compact(
        Secp256k1ContextHandle context, byte* output64, int* recoveryId, byte* signature65);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ecdsa_recoverable_signature_parse_compact(
        Secp256k1ContextHandle context, byte* signature65, byte* input64, int recoveryId);

    [LibraryImport(LibraryName)]
    public static partial int secp256k1_ecdsa_recover(Secp256k1ContextHandle context, byte* publicKey64, byte* signature65, byte* messageHash32);
}
