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
    HeartbeatFromFuture,
    InvalidBatchSize,
    EmptyRoot,
    BatchNotFound,
}
