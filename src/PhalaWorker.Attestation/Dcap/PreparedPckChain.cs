using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>The quote's PCK chain decoded and checked once (signatures to a pinned root, SGX extension), cached by content.</summary>
internal sealed class PreparedPckChain
{
    public AppraisalFailure? Failure { get; private init; }

    /// <summary>Leaf, intermediate(s), pinned root.</summary>
    public ParsedCertificate[] Chain { get; private init; } = [];

    public TrustedRoot Root { get; private init; } = null!;

    public SgxPckExtension Extension { get; private init; } = null!;

    public ParsedCertificate Leaf => Chain[0];

    /// <summary>The CA that issued the leaf.</summary>
    public ParsedCertificate LeafIssuer => Chain[1];

    public static PreparedPckChain Prepare(ReadOnlySpan<byte> pemChain, TrustedRoots roots)
    {
        const string name = "pckCertChain";
        List<byte[]> ders;
        try
        {
            ders = Pem.SplitCertificates(pemChain);
        }
        catch (FormatException ex)
        {
            return new PreparedPckChain { Failure = new AppraisalFailure(VerificationCheck.PckCertificateChain, name, $"PCK chain is not PEM: {ex.Message}") };
        }

        ParsedCertificate[] full = [];
        TrustedRoot? root = null;
        var failure = CertificateChains.Parse(ders, VerificationCheck.PckCertificateChain, name, out var certs)
            ?? CertificateChains.Verify(certs, roots, VerificationCheck.PckCertificateChain, name, out full, out root);
        if (failure is not null)
        {
            return new PreparedPckChain { Failure = failure };
        }

        var leaf = full[0];
        if (full.Length < 3 || leaf.IsCa)
        {
            return new PreparedPckChain { Failure = new AppraisalFailure(VerificationCheck.PckCertificateChain, leaf.DisplayName, "PCK chain must be leaf → PCK CA → root with a non-CA leaf") };
        }

        var ext = CertificateChains.GetExtension(leaf, SgxPckExtension.Oid);
        if (ext is null)
        {
            return new PreparedPckChain { Failure = new AppraisalFailure(VerificationCheck.PckCertificateChain, leaf.DisplayName, $"PCK leaf {leaf.DisplayName} has no SGX extension {SgxPckExtension.Oid}") };
        }

        try
        {
            return new PreparedPckChain { Chain = full, Root = root!, Extension = SgxPckExtension.Parse(ext) };
        }
        catch (FormatException ex)
        {
            return new PreparedPckChain { Failure = new AppraisalFailure(VerificationCheck.PckCertificateChain, leaf.DisplayName, $"SGX extension of {leaf.DisplayName} does not decode: {ex.Message}") };
        }
    }
}
