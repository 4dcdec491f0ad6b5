using Microsoft.Win32.SafeHandles;

namespace PhalaWorker.Chain.Native;

/// <summary>Owns a <c>secp256k1_context*</c>; destroyed when released.</summary>
internal sealed class Secp256k1ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public Secp256k1ContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Secp256k1NativeMethods.secp256k1_context_destroy(handle);
        return true;
    }
}
