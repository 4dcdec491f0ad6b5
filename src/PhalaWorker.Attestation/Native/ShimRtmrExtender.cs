using PhalaWorker.Attestation.EventLog;

namespace PhalaWorker.Attestation.Native;

/// <summary>Extends hardware RTMRs through the shim's sysfs path (<c>measurements/rtmr&lt;N&gt;:sha384</c>, Linux ≥ 6.16).</summary>
internal sealed unsafe class ShimRtmrExtender(string? measurementsDirectory) : IRtmrExtender
{
    public void Extend(int index, ReadOnlySpan<byte> digest48)
    {
        TeeShim.EnsureAvailable();
        if (digest48.Length != TeeShim.RtmrLength)
        {
            throw new ArgumentException("An RTMR digest is 48 bytes.", nameof(digest48));
        }

        int status;
        int osError;
        fixed (byte* digest = digest48)
        {
            status = TeeShim.RtmrExtend(measurementsDirectory, index, digest, (nuint)digest48.Length, out osError);
        }

        if (status != TeeShim.Ok)
        {
            throw TeeShim.Failure($"RTMR{index} extend", status, osError);
        }
    }

    /// <summary>Reads the current value of an RTMR.</summary>
    public byte[] Read(int index)
    {
        TeeShim.EnsureAvailable();
        var value = new byte[TeeShim.RtmrLength];
        int status;
        int osError;
        fixed (byte* buffer = value)
        {
            status = TeeShim.RtmrRead(measurementsDirectory, index, buffer, (nuint)value.Length, out osError);
        }

        return status == TeeShim.Ok ? value : throw TeeShim.Failure($"RTMR{index} read", status, osError);
    }
}
