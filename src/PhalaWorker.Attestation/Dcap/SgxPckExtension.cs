using System.Formats.Asn1;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>The Intel SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate.</summary>
public sealed record SgxPckExtension
{
    public const string Oid = "1.2.840.113741.1.13.1";

    /// <summary>6 bytes.</summary>
    public required byte[] Fmspc { get; init; }

    /// <summary>2 bytes.</summary>
    public required byte[] PceId { get; init; }

    public required ushort PceSvn { get; init; }

    /// <summary>16 bytes.</summary>
    public required byte[] CpuSvn { get; init; }

    /// <summary>The 16 SGX TCB component SVNs (1.2.840.113741.1.13.1.2.1 .. .16).</summary>
    public required byte[] ComponentSvns { get; init; }

    /// <summary>0 standard, 1 scalable, 2 scalable with integrity.</summary>
    public int SgxType { get; init; }

    /// <summary>PPID (16 bytes) when present.</summary>
    public byte[]? Ppid { get; init; }

    /// <summary>Decodes the DER extension value (the OCTET STRING contents). Throws FormatException.</summary>
    public static SgxPckExtension Parse(ReadOnlySpan<byte> extensionValue)
    {
        try
        {
            byte[]? fmspc = null, pceId = null, cpuSvn = null, ppid = null;
            int? pceSvn = null;
            var sgxType = 0;
            var comps = new byte[16];
            var compSeen = new bool[16];
            var reader = new AsnReader(extensionValue.ToArray(), AsnEncodingRules.DER);
            var seq = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (seq.HasData)
            {
                var item = seq.ReadSequence();
                var oid = item.ReadObjectIdentifier();
                switch (oid)
                {
                    case Oid + ".1":
                        ppid = item.ReadOctetString();
                        break;
                    case Oid + ".2":
                        var tcb = item.ReadSequence();
                        while (tcb.HasData)
                        {
                            var comp = tcb.ReadSequence();
                            var compOid = comp.ReadObjectIdentifier();
                            if (compOid == Oid + ".2.18")
                            {
                                cpuSvn = comp.ReadOctetString();
                            }
                            else if (compOid == Oid + ".2.17")
                            {
                                pceSvn = ReadSmallInt(comp, 0xFFFF);
                            }
                            else if (compOid.StartsWith(Oid + ".2.", StringComparison.Ordinal)
                                     && int.TryParse(compOid.AsSpan(Oid.Length + 3), out var n) && n is >= 1 and <= 16)
                            {
                                comps[n - 1] = (byte)ReadSmallInt(comp, 0xFF);
                                compSeen[n - 1] = true;
                            }
                            else
                            {
                                comp.ReadEncodedValue();
                            }
                        }

                        break;
                    case Oid + ".3":
                        pceId = item.ReadOctetString();
                        break;
                    case Oid + ".4":
                        fmspc = item.ReadOctetString();
                        break;
                    case Oid + ".5":
                        var typeBytes = item.ReadEnumeratedBytes().Span;
                        if (typeBytes.Length > 2)
                        {
                            throw new FormatException("SGX type out of range");
                        }

                        foreach (var b in typeBytes)
                        {
                            sgxType = (sgxType << 8) | b;
                        }

                        break;
                    default:
                        item.ReadEncodedValue();
                        break;
                }
            }

            if (fmspc is not { Length: 6 })
            {
                throw new FormatException("FMSPC missing or not 6 bytes");
            }

            if (pceId is not { Length: 2 })
            {
                throw new FormatException("PCE-ID missing or not 2 bytes");
            }

            if (pceSvn is null || cpuSvn is not { Length: 16 } || Array.IndexOf(compSeen, false) >= 0)
            {
                throw new FormatException("TCB (16 component SVNs, PCESVN, CPUSVN) incomplete");
            }

            return new SgxPckExtension { Fmspc = fmspc, PceId = pceId, PceSvn = (ushort)pceSvn, CpuSvn = cpuSvn, ComponentSvns = comps, SgxType = sgxType, Ppid = ppid };
        }
        catch (AsnContentException ex)
        {
            throw new FormatException($"invalid SGX extension: {ex.Message}", ex);
        }
    }

    private static int ReadSmallInt(AsnReader reader, int max)
    {
        if (!reader.TryReadInt32(out var value) || value < 0 || value > max)
        {
            throw new FormatException($"SGX extension integer out of range 0..{max}");
        }

        return value;
    }
}
