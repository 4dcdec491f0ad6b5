using System.Formats.Asn1;

namespace PhalaWorker.Attestation.Internal;

/// <summary>Splits a DER "signed" structure (certificate or CRL): SEQUENCE { tbs, algorithm, BIT STRING signature }, keeping the original TBS bytes.</summary>
internal static class SignedAsn1
{
    public const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";

    public static (byte[] Tbs, string AlgorithmOid, byte[] Signature) Split(ReadOnlySpan<byte> der)
    {
        var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
        var outer = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var tbs = outer.ReadEncodedValue().ToArray();
        var alg = outer.ReadSequence();
        var oid = alg.ReadObjectIdentifier();
        var signature = outer.ReadBitString(out var unused);
        outer.ThrowIfNotEmpty();
        if (unused != 0)
        {
            throw new AsnContentException("signature bit string has unused bits");
        }

        return (tbs, oid, signature);
    }
}
