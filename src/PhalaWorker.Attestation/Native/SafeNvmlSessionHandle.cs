namespace PhalaWorker.Attestation.Native;

/// <summary>An initialized NVML session (nvmlInit_v2), shut down with nvmlShutdown through its <see cref="NvmlLibrary"/>.</summary>
internal sealed class SafeNvmlSessionHandle : System.Runtime.InteropServices.SafeHandle
{
    private readonly NvmlLibrary? _library;

    public SafeNvmlSessionHandle()
        : base(0, ownsHandle: true)
    {
    }

    internal SafeNvmlSessionHandle(NvmlLibrary library)
        : base(0, ownsHandle: true)
    {
        _library = library;
        SetHandle(1);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => _library?.TryShutdown() ?? true;
}
