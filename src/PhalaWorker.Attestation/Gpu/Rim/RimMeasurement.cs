namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// One golden measurement of a RIM (a SWID <c>Resource type="Measurement"</c>). RIM index <see cref="Index"/> is compared with
/// SPDM measurement block <see cref="SpdmBlockIndex"/> = index + 1. Only <see cref="Active"/> measurements are compared; the
/// runtime value must equal one of the <see cref="Alternatives"/> (Hash0…HashN-1), each <see cref="Size"/> bytes.
/// </summary>
public sealed record RimMeasurement(int Index, bool Active, string Name, IReadOnlyList<byte[]> Alternatives, int Size)
{
    /// <summary>The SPDM measurement block index this golden value is compared with (RIM index + 1).</summary>
    public int SpdmBlockIndex => Index + 1;
}
