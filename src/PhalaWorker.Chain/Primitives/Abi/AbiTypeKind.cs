namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>The kinds of Solidity ABI types.</summary>
public enum AbiTypeKind
{
    /// <summary><c>uintN</c> (N = 8..256, step 8).</summary>
    UInt,

    /// <summary><c>intN</c> (N = 8..256, step 8).</summary>
    Int,

    /// <summary><c>address</c>.</summary>
    Address,

    /// <summary><c>bool</c>.</summary>
    Bool,

    /// <summary><c>bytesN</c> (N = 1..32).</summary>
    FixedBytes,

    /// <summary><c>bytes</c>.</summary>
    Bytes,

    /// <summary><c>string</c>.</summary>
    String,

    /// <summary><c>T[]</c>.</summary>
    Array,

    /// <summary><c>T[k]</c>.</summary>
    FixedArray,

    /// <summary><c>(T1,...,Tn)</c>.</summary>
    Tuple,
}
