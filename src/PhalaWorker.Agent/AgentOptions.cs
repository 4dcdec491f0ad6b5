using System.ComponentModel.DataAnnotations;
using PhalaWorker.Agent.Jobs;

namespace PhalaWorker.Agent;

/// <summary>Agent settings, section <c>Agent</c>. Every default is documented in its <c>value</c>.</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>Command-line switches mapped onto configuration keys (e.g. <c>--tee emulated</c> → <c>Attestation:Tee</c>).</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--tee"] = "Attestation:Tee",
        ["--listen"] = "Agent:Listen",
        ["--tls-mode"] = "Agent:TlsMode",
        ["--journal"] = "Agent:JournalPath",
        ["--rpc"] = "Chain:RpcUrl",
        ["--registry"] = "Chain:RegistryAddress",
        ["--chain-id"] = "Chain:ChainId",
        ["--operator-key-file"] = "Registry:OperatorKeyFile",
        ["--backend"] = "Compute:Backend",
        ["--metrics-listen"] = "Agent:MetricsListen",
    };

    /// <summary>
    /// Address the gRPC listener binds (HTTP/2): <c>https://HOST:PORT</c> under <see cref="TlsMode"/> <c>ra-tls</c>, and
    /// <c>http://HOST:PORT</c> only under <c>plaintext</c>.
    /// </summary>
    /// <value>Default <c>https://127.0.0.1:7080</c>.</value>
    [Required]
    [Url]
    public string Listen { get; set; } = "https://127.0.0.1:7080";

    /// <summary>
    /// TLS of the gRPC listener, measured into RTMR3 as <c>tls.mode</c>. <c>ra-tls</c>: TLS 1.3 terminates inside the TD with a
    /// key generated at every start and bound into report_data, which clients pin from the attestation. <c>plaintext</c>:
    /// cleartext h2c, for a TLS terminator you run yourself; job ids, sizes and timing are then visible to the host and
    /// the network, the agent logs a warning at start, and default clients refuse the node.
    /// </summary>
    /// <value>Default <c>ra-tls</c>.</value>
    [Required]
    [RegularExpression("^(ra-tls|plaintext)$", ErrorMessage = "Agent:TlsMode must be ra-tls or plaintext.")]
    public string TlsMode { get; set; } = PhalaWorker.Attestation.Binding.RaTlsBinding.RaTlsMode;

    /// <summary>True when <see cref="TlsMode"/> is <c>plaintext</c>.</summary>
    internal bool IsPlaintext => string.Equals(TlsMode, PhalaWorker.Attestation.Binding.RaTlsBinding.PlaintextMode, StringComparison.Ordinal);

    /// <summary>
    /// Address of the HTTP/1.1 listener serving Prometheus <c>/metrics</c>, <c>/healthz/live</c> and <c>/healthz/ready</c>,
    /// apart from gRPC so that scrapers and probes need no HTTP/2. Empty turns it off.
    /// </summary>
    /// <value>Default <c>http://127.0.0.1:9464</c>.</value>
    public string? MetricsListen { get; set; } = "http://127.0.0.1:9464";

    /// <summary>Endpoint the node advertises in the registry; empty means <see cref="Listen"/>.</summary>
    /// <value>Default empty.</value>
    public string? PublicEndpoint { get; set; }

    /// <summary>SQLite journal file.</summary>
    /// <value>Default <c>phala-worker.db</c> in the working directory.</value>
    [Required]
    public string JournalPath { get; set; } = "phala-worker.db";

    /// <summary>Jobs waiting to run before SubmitJob answers RESOURCE_EXHAUSTED.</summary>
    /// <value>Default 64.</value>
    [Range(1, 100_000)]
    public int MaxQueuedJobs { get; set; } = 64;

    /// <summary>How long SubmitJob waits for queue space before answering RESOURCE_EXHAUSTED.</summary>
    /// <value>Default 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan QueueWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Jobs run at the same time: 0 means one worker per GPU on the <c>cuda</c> backend (the engine drives one device) and one per
    /// core (<see cref="Environment.ProcessorCount"/>) on the CPU backends.
    /// </summary>
    /// <value>Default 0 (automatic).</value>
    [Range(0, 4096)]
    public int MaxConcurrentJobs { get; set; }

    /// <summary>Envelopes opened (and models loaded) at the same time for SubmitJob and UploadModel; 0 means one per core.</summary>
    /// <value>Default 0 (<see cref="Environment.ProcessorCount"/>).</value>
    [Range(0, 4096)]
    public int MaxConcurrentOpens { get; set; }

    /// <summary>Wall-clock limit of one job from the moment it starts running; a job over it ends FAILED with <c>JOB_TIMEOUT</c>.</summary>
    /// <value>Default 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Durability of the journal: <c>Strict</c> fsyncs every group commit (SQLite <c>synchronous = FULL</c>): a job acknowledged
    /// as QUEUED survives kill -9 and power loss. <c>Process</c> (<c>synchronous = NORMAL</c>) survives kill -9 only. Measured
    /// into RTMR3 as <c>journal.synchronous</c>.
    /// </summary>
    /// <value>Default <c>Strict</c>.</value>
    [EnumDataType(typeof(JournalDurability))]
    public JournalDurability JournalDurability { get; set; } = JournalDurability.Strict;

    /// <summary>Models held for jobs by reference (UploadModel), least recently used evicted first.</summary>
    /// <value>Default 64.</value>
    [Range(1, 100_000)]
    public int MaxCachedModels { get; set; } = 64;

    /// <summary>Serialized bytes of the models held for jobs by reference (their loaded form is about as large).</summary>
    /// <value>Default 2 GiB.</value>
    [Range(1L, long.MaxValue)]
    public long MaxCachedModelBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Plaintext of accepted jobs kept opened in memory until they run; a job beyond it is opened again from the journal when it runs.
    /// </summary>
    /// <value>Default 256 MiB.</value>
    [Range(0L, long.MaxValue)]
    public long MaxOpenedJobBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary><see cref="MaxConcurrentOpens"/> resolved.</summary>
    public int EffectiveConcurrentOpens => MaxConcurrentOpens > 0 ? MaxConcurrentOpens : Environment.ProcessorCount;

    /// <summary><see cref="MaxConcurrentJobs"/> resolved for a compute backend.</summary>
    public int EffectiveConcurrentJobs(string backend) =>
        MaxConcurrentJobs > 0 ? MaxConcurrentJobs : string.Equals(backend, "cuda", StringComparison.Ordinal) ? 1 : Environment.ProcessorCount;

    /// <summary>Largest gRPC message accepted or sent.</summary>
    /// <value>Default 64 MiB.</value>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How long a stop (SIGTERM) drains: the running job gets at most half of it to finish (otherwise it stays journaled
    /// and re-runs at the next start), the final receipt batch and <c>retireNode</c> get what is left. A chain that is down
    /// cannot hold the stop longer; the host's own shutdown timeout is this plus 5 seconds.
    /// </summary>
    /// <value>Default 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The agent version reported in the bundle and measured into RTMR3.</summary>
    /// <value>Default the assembly's informational version.</value>
    public string AgentVersion { get; set; } = typeof(AgentOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
