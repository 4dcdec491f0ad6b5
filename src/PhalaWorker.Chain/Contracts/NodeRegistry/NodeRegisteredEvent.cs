using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

public sealed record NodeRegisteredEvent(
    EthAddress Node,
    EthAddress Operator,
    Hash32 HpkePublicKey,
    string Endpoint,
    byte TeeType,
    Hash32 QuoteHash,
    Hash32 MrtdHash,
    Hash32 RtmrDigest,
    Hash32 ReportDataHash,
    LogEntry Log) : NodeRegistryEvent(Log);
