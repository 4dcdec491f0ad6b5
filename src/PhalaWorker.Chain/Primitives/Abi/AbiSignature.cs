using System.Text;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>Canonical signatures, function/error selectors and event topics.</summary>
public static class AbiSignature
{
    /// <summary><c>name(type1,type2)</c> with canonical type names.</summary>
    public static string Canonical(string name, IEnumerable<AbiParameter> parameters) =>
        name + "(" + string.Join(",", parameters.Select(p => p.Type.CanonicalName)) + ")";

    /// <summary>The first 4 bytes of keccak256 of a canonical signature (functions and custom errors).</summary>
    public static byte[] Selector(string canonicalSignature)
    {
        ArgumentNullException.ThrowIfNull(canonicalSignature);
        return Keccak256.Hash(Encoding.ASCII.GetBytes(canonicalSignature)).AsSpan()[..4].ToArray();
    }

    /// <summary>keccak256 of a canonical event signature (topic 0 of a non-anonymous event).</summary>
    public static Hash32 EventTopic(string canonicalSignature)
    {
        ArgumentNullException.ThrowIfNull(canonicalSignature);
        return Keccak256.Hash(Encoding.ASCII.GetBytes(canonicalSignature));
    }
}
