using System.Runtime.InteropServices;

namespace PhalaWorker.Attestation.Native;

/// <summary>An open <c>/dev/tdx_guest</c> descriptor, closed through the shim.</summary>
internal sealed class SafeTdxGuestHandle : SafeHandle
{
    public SafeTdxGuestHandle()
        : base(-1, ownsHandle: true)
    {
    }

    internal SafeTdxGuestHandle(int fd)
        : base(-1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => TeeShim.TdxClose((int)handle) == TeeShim.Ok;
}
