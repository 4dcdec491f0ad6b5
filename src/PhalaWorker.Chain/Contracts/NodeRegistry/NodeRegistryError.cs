namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>The contract's custom errors.</summary>
public enum NodeRegistryError
{
    /// <summary>Revert data that is not one of the contract's errors.</summary>
    Unknown = 0,
    ZeroAddress,
    EmptyEndpoint,
    EndpointTooLong,
    NodeAlreadyActive,
    NodeNotActive,
    NotOperatorOrNode,
    InvalidSignature,
    WrongSigner,
    StaleHeartbeat,

    /// <summary>A heartbeat named a block that is not one of the last 256 (future, current, too old) or a wrong hash.</summary>
    UnknownBlock,
    InvalidBatchSize,
    EmptyRoot,
    BatchNotFound,

    /// <summary>A heartbeat signed for another registration of the node (e.g. before it re-registered).</summary>
    WrongEpoch,

    /// <summary>The node retired: it can neither register, post nor retire again.</summary>
    NodeIsRetired,

    /// <summary>The named predecessor is the node itself, is unknown, or the node already has one.</summary>
    InvalidPredecessor,

    /// <summary>The named predecessor is run by another operator.</summary>
    PredecessorNotOperated,

    /// <summary>The named predecessor already has a successor.</summary>
    PredecessorHasSuccessor,

    /// <summary>Only the registry owner may change the measurement allow-list.</summary>
    NotOwner,

    /// <summary>A malformed measurement profile; the argument names the field.</summary>
    InvalidMeasurement,
    MeasurementsAlreadyAllowed,
    MeasurementsNotAllowed,
}
