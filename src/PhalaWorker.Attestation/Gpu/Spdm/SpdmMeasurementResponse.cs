namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// The SPDM 1.1 MEASUREMENTS response (code <c>0x60</c>): header, NumberOfBlocks, the measurement record (3-byte length),
/// the responder's nonce, the opaque data (NVIDIA TLVs) and the signature (raw r ‖ s, ECDSA P-384, 96 bytes).
/// </summary>
public sealed record SpdmMeasurementResponse
{
    /// <summary>Length of the ECDSA P-384 signature at the end of the response.</summary>
    public const int SignatureSize = 96;

    /// <summary>SPDMVersion byte (0x11).</summary>
    public required byte SpdmVersion { get; init; }

    /// <summary>RequestResponseCode (0x60 = MEASUREMENTS).</summary>
    public required byte ResponseCode { get; init; }

    public required byte Param1 { get; init; }

    /// <summary>Param2 (slot id in the low nibble in SPDM 1.1).</summary>
    public required byte Param2 { get; init; }

    /// <summary>NumberOfBlocks as declared (equals <see cref="Blocks"/>.Count).</summary>
    public required byte NumberOfBlocks { get; init; }

    /// <summary>MeasurementRecordLength (24-bit).</summary>
    public required int MeasurementRecordLength { get; init; }

    public required IReadOnlyList<SpdmMeasurementBlock> Blocks { get; init; }

    /// <summary>The responder's nonce (not compared: freshness is the request nonce, which the signature covers).</summary>
    public required byte[] ResponderNonce { get; init; }

    /// <summary>OpaqueDataLength.</summary>
    public required ushort OpaqueLength { get; init; }

    /// <summary>Opaque-data TLVs in report order.</summary>
    public required IReadOnlyList<OpaqueField> OpaqueFields { get; init; }

    /// <summary>Raw r ‖ s (48 + 48 bytes).</summary>
    public required byte[] Signature { get; init; }

    /// <summary>The first field of <paramref name="type"/>, or null.</summary>
    public OpaqueField? Find(OpaqueFieldId type)
    {
        foreach (var field in OpaqueFields)
        {
            if (field.Type == type)
            {
                return field;
            }
        }

        return null;
    }
}
