namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>
/// Our libsecp256k1 path and Nethereum's managed <c>EthECKey</c> (BouncyCastle), driven explicitly so both must pass the
/// same vectors: Nethereum is the independent reference our signatures must match byte for byte.
/// </summary>
public enum Secp256k1Backend
{
    Native,
    Nethereum,
}
