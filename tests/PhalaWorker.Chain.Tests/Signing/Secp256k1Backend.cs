namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>The two secp256k1 implementations, driven explicitly so both must pass the same vectors.</summary>
public enum Secp256k1Backend
{
    Native,
    Managed,
}
