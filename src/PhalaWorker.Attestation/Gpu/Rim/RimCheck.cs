using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>The checks of RIM verification; each is reported on its own, a failure names the certificate or element.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RimCheck>))]
public enum RimCheck
{
    /// <summary>The Reference's DigestValue equals SHA-384 of the canonicalized document without its Signature element.</summary>
    Digest,

    /// <summary>SignatureValue (ecdsa-sha384, raw r‖s) verifies over the canonicalized SignedInfo with the first embedded certificate's key.</summary>
    Signature,

    /// <summary>The embedded chain, exactly as embedded and signer first, chains by name, signature and CA constraints to a trusted RIM root (subject and key).</summary>
    Chain,

    /// <summary>Every certificate of the chain is inside its notBefore/notAfter window at the verification time.</summary>
    Validity,
}
