namespace PhalaWorker.Chain;

/// <summary>Why a <see cref="ChainException"/> was thrown.</summary>
public enum ChainErrorReason
{
    /// <summary>Unclassified failure.</summary>
    Unknown = 0,

    /// <summary>Malformed RLP (non-canonical, truncated, trailing bytes).</summary>
    InvalidRlp,

    /// <summary>Malformed ABI type, value or encoding.</summary>
    InvalidAbi,

    /// <summary>A private key that is not a valid secp256k1 scalar.</summary>
    InvalidPrivateKey,

    /// <summary>A public key that is not a point on secp256k1.</summary>
    InvalidPublicKey,

    /// <summary>A signature that is malformed, high-s, or does not recover.</summary>
    InvalidSignature,

    /// <summary>EIP-712 typed data that is malformed or does not match its types.</summary>
    InvalidTypedData,

    /// <summary>A transaction that cannot be encoded, decoded or signed.</summary>
    InvalidTransaction,

    /// <summary>A JSON-RPC call failed (see the JSON-RPC exception for details).</summary>
    Rpc,

    /// <summary>A transaction reverted or could not be mined.</summary>
    TransactionFailed,

    /// <summary>The node is on another chain than configured.</summary>
    WrongChainId,
}
