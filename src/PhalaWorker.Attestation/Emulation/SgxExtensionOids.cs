using Org.BouncyCastle.Asn1;

namespace PhalaWorker.Attestation.Emulation;

/// <summary>The OIDs of Intel's SGX PCK certificate extension (Intel SGX PCK Certificate and CRL Profile).</summary>
internal static class SgxExtensionOids
{
    public const string Root = "1.2.840.113741.1.13.1";

    public static readonly DerObjectIdentifier SgxExtensions = new(Root);
    public static readonly DerObjectIdentifier Ppid = new(Root + ".1");
    public static readonly DerObjectIdentifier Tcb = new(Root + ".2");
    public static readonly DerObjectIdentifier PceId = new(Root + ".3");
    public static readonly DerObjectIdentifier Fmspc = new(Root + ".4");
    public static readonly DerObjectIdentifier SgxType = new(Root + ".5");
    public static readonly DerObjectIdentifier PlatformInstanceId = new(Root + ".6");
    public static readonly DerObjectIdentifier Configuration = new(Root + ".7");

    /// <summary>TCB item 1..16 = component SVNs, 17 = PCESVN, 18 = CPUSVN.</summary>
    public static DerObjectIdentifier TcbComponent(int index) => new($"{Root}.2.{index}");

    /// <summary>Configuration item 1 = dynamic platform, 2 = cached keys, 3 = SMT enabled.</summary>
    public static DerObjectIdentifier ConfigurationItem(int index) => new($"{Root}.7.{index}");
}
