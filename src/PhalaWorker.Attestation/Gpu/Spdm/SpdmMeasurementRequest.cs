namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// The SPDM 1.1 GET_MEASUREMENTS request that NVML sends to the GPU (37 bytes): version <c>0x11</c>, request code
/// <c>0xE0</c>, Param1 (bit 0: signature requested), Param2 (<c>0xFF</c>: all measurement blocks), the requester's
/// 32-byte nonce and the certificate slot id.
/// </summary>
public sealed record SpdmMeasurementRequest
{
    /// <summary>Length of the request in bytes.</summary>
    public const int Size = 37;

    /// <summary>Offset of the nonce inside the request.</summary>
    public const int NonceOffset = 4;

    /// <summary>SPDMVersion byte (0x11 = 1.1).</summary>
    public required byte SpdmVersion { get; init; }

    /// <summary>RequestResponseCode (0xE0 = GET_MEASUREMENTS).</summary>
    public required byte RequestCode { get; init; }

    /// <summary>Param1: attributes (bit 0 = signature requested).</summary>
    public required byte Param1 { get; init; }

    /// <summary>Param2: measurement operation (0xFF = all blocks).</summary>
    public required byte Param2 { get; init; }

    /// <summary>The requester's nonce (32 bytes): what freshness is checked against.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>SlotIDParam: the certificate slot whose key signs the response.</summary>
    public required byte SlotId { get; init; }
}
