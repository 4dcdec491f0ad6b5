using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Startup;

/// <summary>What the node is, once attested: its keys, quote and the bundle template it serves.</summary>
internal sealed class NodeAttestation(NodeIdentity identity, EthSigner signer, byte[] quote, byte[] reportData, AttestationBundle bundle, string providerName)
    : IDisposable
{
    public NodeIdentity Identity { get; } = identity;

    public EthSigner Signer { get; } = signer;

    public EthAddress Address => Signer.Address;

    public byte[] Quote { get; } = quote;

    public Hash32 QuoteHash { get; } = Keccak256.Hash(quote);

    public byte[] ReportData { get; } = reportData;

    /// <summary>The bundle without nonce and nonce signature; clone it per call.</summary>
    public AttestationBundle Bundle { get; } = bundle;

    public string ProviderName { get; } = providerName;

    private string _stapledCollateral = bundle.Collateral;

    /// <summary>
    /// The collateral served with the bundle (QuoteCollateralV3 JSON; empty when none): what the node stapled at start, then
    /// renewed by <see cref="CollateralRefresher"/> so it stays younger than the age clients accept.
    /// </summary>
    public string StapledCollateral
    {
        get => Volatile.Read(ref _stapledCollateral);
        set => Volatile.Write(ref _stapledCollateral, value ?? string.Empty);
    }

    public void Dispose()
    {
        Signer.Dispose();
        Identity.Dispose();
    }
}
