using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// What a node claims when it registers (the contract's <c>Registration</c> struct). Digests are keccak256:
/// <see cref="QuoteHash"/> of the quote, <see cref="MrtdHash"/> of MRTD (48 bytes), <see cref="RtmrDigest"/> of
/// RTMR0‖…‖RTMR3, <see cref="ReportDataHash"/> of the 64-byte report_data. <see cref="Predecessor"/> is the node this one
/// replaces (same operator; zero for none): registering retires it and links the two, so receipts it signed can be
/// posted in this node's batches and still verify.
/// </summary>
public sealed record NodeRegistration(
    EthAddress Node,
    Hash32 HpkePublicKey,
    string Endpoint,
    byte TeeType,
    Hash32 QuoteHash,
    Hash32 MrtdHash,
    Hash32 RtmrDigest,
    Hash32 ReportDataHash,
    EthAddress Predecessor = default)
{
    internal Registration ToStruct() => new()
    {
        Node = Node.ToLowerHexString(),
        HpkePublicKey = HpkePublicKey.ToArray(),
        Endpoint = Endpoint,
        TeeType = TeeType,
        QuoteHash = QuoteHash.ToArray(),
        MrtdHash = MrtdHash.ToArray(),
        RtmrDigest = RtmrDigest.ToArray(),
        ReportDataHash = ReportDataHash.ToArray(),
        Predecessor = Predecessor.ToLowerHexString(),
    };
}
