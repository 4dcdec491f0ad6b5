namespace PhalaWorker.Attestation.EventLog;

/// <summary>Extends a hardware RTMR (the native shim's configfs-tsm / tdx_guest extend). Emulation needs none: its quotes read the log.</summary>
public interface IRtmrExtender
{
    /// <summary>Extends RTMR <paramref name="index"/> with a 48-byte SHA-384 digest.</summary>
    void Extend(int index, ReadOnlySpan<byte> digest48);
}
