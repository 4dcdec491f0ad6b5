
namespace PhalaWorker.Agent.Telemetry;

/// <summary>
/// Every log line of the agent (event ids 5000–5099). Logs digests and ids only: never keys, plaintext, models,
/// inputs, outputs or whole quotes.
/// </summary>
internal static partial class AgentLog
{
    [LoggerMessage(5000, LogLevel.Information, "PhalaWorker agent {Version} starting: TEE {Tee}, backend {Backend}")]
    public static partial void Starting(ILogger logger, string version, string tee, string backend);

    [LoggerMessage(5001, LogLevel.Warning,
        "!!! TEE IS EMULATED !!! Quotes from this node are signed by an emulated root, not by Intel hardware. " +
        "Submitters must opt in (--allow-emulated) and nothing sent to this node is confidential. Never run this in production.")]
    public static partial void EmulatedTee(ILogger logger);

    [LoggerMessage(5002, LogLevel.Information, "Attested with {Provider}: node {NodeAddress}, quote hash {QuoteHash}, report data {ReportData}")]
    public static partial void Attested(ILogger logger, string provider, string nodeAddress, string quoteHash, string reportData);

    [LoggerMessage(5003, LogLevel.Debug, "Job {JobId} accepted (envelope digest {EnvelopeDigest})")]
    public static partial void JobAccepted(ILogger logger, string jobId, string envelopeDigest);

    [LoggerMessage(5004, LogLevel.Information, "Job {JobId} submitted again with the same envelope; state {State}")]
    public static partial void JobDuplicate(ILogger logger, string jobId, string state);

    [LoggerMessage(5005, LogLevel.Warning, "Job {JobId} submitted again with a different envelope; refused")]
    public static partial void JobConflict(ILogger logger, string jobId);

    [LoggerMessage(5006, LogLevel.Debug, "Job {JobId} running on {Backend}")]
    public static partial void JobStarted(ILogger logger, string jobId, string backend);

    [LoggerMessage(5007, LogLevel.Information, "Job {JobId} succeeded in {ElapsedMs:F1} ms: output hash {OutputHash}, receipt digest {ReceiptDigest}")]
    public static partial void JobSucceeded(ILogger logger, string jobId, double elapsedMs, string outputHash, string receiptDigest);

    [LoggerMessage(5008, LogLevel.Warning, "Job {JobId} failed: {Reason}")]
    public static partial void JobFailed(ILogger logger, string jobId, string reason);

    [LoggerMessage(5009, LogLevel.Warning, "Job queue full ({Capacity}); job {JobId} refused")]
    public static partial void QueueFull(ILogger logger, int capacity, string jobId);

    [LoggerMessage(5010, LogLevel.Information, "Journal {Path} opened; {Count} unfinished job(s) re-queued")]
    public static partial void JournalOpened(ILogger logger, string path, int count);

    [LoggerMessage(5011, LogLevel.Information, "Node {NodeAddress} registered in {Registry} (chain {ChainId}) by transaction {TransactionHash}")]
    public static partial void Registered(ILogger logger, string nodeAddress, string registry, ulong chainId, string transactionHash);

    [LoggerMessage(5012, LogLevel.Information, "Heartbeat sent: transaction {TransactionHash}")]
    public static partial void Heartbeat(ILogger logger, string transactionHash);

    [LoggerMessage(5013, LogLevel.Warning, "Heartbeat failed; retrying next period")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(5014, LogLevel.Information, "Batch {BatchIndex} posted: {Count} receipt(s), root {Root}, transaction {TransactionHash}")]
    public static partial void BatchPosted(ILogger logger, ulong batchIndex, int count, string root, string transactionHash);

    [LoggerMessage(5015, LogLevel.Warning, "Posting a batch of {Count} receipt(s) failed; retrying")]
    public static partial void BatchPostFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(5016, LogLevel.Information, "{Method} refused with {StatusCode} ({Reason}): {Detail}")]
    public static partial void RpcRefused(ILogger logger, string method, string statusCode, string reason, string detail);

    [LoggerMessage(5017, LogLevel.Warning, "No chain configured (Chain:RpcUrl empty): the node is not registered and receipts are not posted on chain")]
    public static partial void ChainDisabled(ILogger logger);

    [LoggerMessage(5018, LogLevel.Error, "Registering node {NodeAddress} failed")]
    public static partial void RegistrationFailed(ILogger logger, string nodeAddress, Exception exception);

    // Unexpected failures log the exception type and stack only: a message may quote what is inside an encrypted job.
    [LoggerMessage(5019, LogLevel.Error, "{Method} failed unexpectedly: {ExceptionType} (message withheld){NewLine}{StackTrace}")]
    public static partial void RpcFailed(ILogger logger, string method, string exceptionType, string newLine, string? stackTrace);

    [LoggerMessage(5020, LogLevel.Error, "Job {JobId} failed unexpectedly: {ExceptionType} (message withheld){NewLine}{StackTrace}")]
    public static partial void JobCrashed(ILogger logger, string jobId, string exceptionType, string newLine, string? stackTrace);

    [LoggerMessage(5022, LogLevel.Warning, "No collateral stapled to the quote (clients must bring their own): {Reason}")]
    public static partial void CollateralUnavailable(ILogger logger, string reason);

    [LoggerMessage(5090, LogLevel.Debug, "Stapled collateral renewed (oldest part issued {IssuedAt})")]
    public static partial void CollateralRenewed(ILogger logger, string issuedAt);

    [LoggerMessage(5091, LogLevel.Warning, "Renewing the stapled collateral failed; clients reject stapled collateral older than a day by default: {Reason}")]
    public static partial void CollateralRenewFailed(ILogger logger, string reason);

    // 5120-5129: line-rate jobs (models by reference, concurrent runner).
    [LoggerMessage(5120, LogLevel.Debug, "Model uploaded and held in memory ({Count} held)")]
    public static partial void ModelUploaded(ILogger logger, int count);

    [LoggerMessage(5121, LogLevel.Information, "Job runner: {Workers} worker(s) on {Backend}, job timeout {Timeout}, journal durability {Durability}")]
    public static partial void RunnerStarted(ILogger logger, int workers, string backend, TimeSpan timeout, string durability);

    // 5060-5069: Registry feature (predecessor links, leaving).
    [LoggerMessage(5060, LogLevel.Information, "Registering as the successor of {Predecessor} (it is retired on chain; its unposted receipts are posted in this node's batches)")]
    public static partial void PredecessorLinked(ILogger logger, string predecessor);

    [LoggerMessage(5061, LogLevel.Warning, "Previous node {Predecessor} is not named as predecessor: {Reason}")]
    public static partial void PredecessorSkipped(ILogger logger, string predecessor, string reason);

    [LoggerMessage(5062, LogLevel.Information, "Node {NodeAddress} left the registry (retired): transaction {TransactionHash}")]
    public static partial void NodeLeft(ILogger logger, string nodeAddress, string transactionHash);

    [LoggerMessage(5063, LogLevel.Information, "Stopping: intake closed, draining for at most {Timeout}")]
    public static partial void DrainStarted(ILogger logger, TimeSpan timeout);

    [LoggerMessage(5064, LogLevel.Warning, "Stopping: the running job did not finish within {Timeout}; it stays journaled and re-runs at the next start")]
    public static partial void DrainJobTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(5065, LogLevel.Warning, "Stopping: the chain did not take the final step ({Step}); unposted receipts stay journaled for the successor: {Reason}")]
    public static partial void DrainChainFailed(ILogger logger, string step, string reason);

    [LoggerMessage(5066, LogLevel.Information, "Stopping: drained ({Posted} receipt(s) posted in the final batch, left the registry: {Left})")]
    public static partial void DrainFinished(ILogger logger, int posted, bool left);

    [LoggerMessage(5067, LogLevel.Information, "SubmitJob for job {JobId} refused: the node is stopping")]
    public static partial void SubmitWhileStopping(ILogger logger, string jobId);

    [LoggerMessage(5068, LogLevel.Warning, "Registering node {NodeAddress} failed (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void RegistrationRetrying(ILogger logger, string nodeAddress, string reason, string delay, int attempt);

    [LoggerMessage(5023, LogLevel.Information, "GPU gate passed with {Provider}: {GpuCount} GPU(s) verified, boot evidence SHA-256 {EvidenceDigest}; GPUs set ready")]
    public static partial void GpuGatePassed(ILogger logger, string provider, int gpuCount, string evidenceDigest);

    [LoggerMessage(5024, LogLevel.Warning, "GPU collateral incomplete (verifiers will find RIMs or OCSP unavailable): {Reason}")]
    public static partial void GpuCollateralUnavailable(ILogger logger, string reason);

    [LoggerMessage(5025, LogLevel.Warning, "GetAttestation answered UNAVAILABLE: {Reason}")]
    public static partial void FreshGpuEvidenceUnavailable(ILogger logger, string reason);

    [LoggerMessage(5040, LogLevel.Information, "Measured into RTMR3: agent digest {AgentDigest}, {SettingCount} settings; RTMR3 {Rtmr3}")]
    public static partial void Measured(ILogger logger, string agentDigest, int settingCount, string rtmr3);

    [LoggerMessage(5041, LogLevel.Warning, "Job {JobId} was sealed to the previous node identity {PreviousNode}; refused with NODE_KEY_CHANGED")]
    public static partial void NodeKeyChanged(ILogger logger, string jobId, string previousNode);

    [LoggerMessage(5042, LogLevel.Warning, "{Method} for job {JobId} refused: {Reason}")]
    public static partial void AccessDenied(ILogger logger, string method, string jobId, string reason);

    // 5080-5089: abuse limits (Limits/, watcher bounds, journal retention).
    [LoggerMessage(5080, LogLevel.Debug, "{Path} from {Client} refused: {Reason}, retry after {RetryAfterMs} ms")]
    public static partial void CallLimited(ILogger logger, string path, string client, string reason, long retryAfterMs);

    [LoggerMessage(5081, LogLevel.Debug, "WatchJob for job {JobId} refused: {Reason}")]
    public static partial void WatchLimited(ILogger logger, string jobId, string reason);

    [LoggerMessage(5082, LogLevel.Information, "Journal retention: deleted {Deleted} finished job(s) older than {Retention}")]
    public static partial void RetentionSwept(ILogger logger, int deleted, TimeSpan retention);

    [LoggerMessage(5083, LogLevel.Warning, "Journal retention sweep failed (retried next period): {Reason}")]
    public static partial void RetentionFailed(ILogger logger, string reason);

    // 5130-5139: transport (RA-TLS).
    [LoggerMessage(5130, LogLevel.Information, "gRPC serves RA-TLS (TLS 1.3, ALPN h2) with a key generated in the TD at this start: SPKI {SpkiSha256}, bound in report_data v2")]
    public static partial void RaTlsServing(ILogger logger, string spkiSha256);

    [LoggerMessage(5131, LogLevel.Warning,
        "!!! gRPC IS SERVED WITHOUT TLS (Agent:TlsMode=plaintext) !!! Job ids, sizes and timing are visible to the host and the network, " +
        "and nothing binds the connection to this TD. The mode is measured into RTMR3 (tls.mode=plaintext) and default clients refuse this node.")]
    public static partial void PlaintextTransport(ILogger logger);
}
