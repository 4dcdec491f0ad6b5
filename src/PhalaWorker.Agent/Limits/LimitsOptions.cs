using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// Abuse limits, section <c>Agent:Limits</c>: per-client call rates and concurrency, WatchJob subscribers, and how long the
/// journal keeps finished jobs. None of them changes what a host could learn (the host already controls the network and the
/// disk, so it can deny service or copy the journal at will), so none is measured into RTMR3; they protect one client from
/// another. Every default is documented in its <c>value</c> and in README.md ("Limits").
/// </summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Agent:Limits";

    /// <summary>Turns the per-client rate and concurrency limits on the gRPC services on or off (watcher bounds and retention always apply).</summary>
    /// <value>Default <c>true</c>.</value>
    public bool RateLimitsEnabled { get; set; } = true;

    /// <summary>SubmitJob calls per second one client may make on average (token bucket refilled every 100 ms).</summary>
    /// <value>Default 100.</value>
    [Range(1, 1_000_000)]
    public int SubmitPerSecond { get; set; } = 100;

    /// <summary>SubmitJob calls one client may make in a burst (the token bucket's size).</summary>
    /// <value>Default 200.</value>
    [Range(1, 1_000_000)]
    public int SubmitBurst { get; set; } = 200;

    /// <summary>SubmitJob calls of one client in flight at once; more are refused (not queued).</summary>
    /// <value>Default 16.</value>
    [Range(1, 100_000)]
    public int SubmitConcurrency { get; set; } = 16;

    /// <summary>Calls per second one client may make to every other gRPC method (GetAttestation, WatchJob, GetResult, reflection).</summary>
    /// <value>Default 200.</value>
    [Range(1, 1_000_000)]
    public int OtherPerSecond { get; set; } = 200;

    /// <summary>Burst of the other methods' token bucket.</summary>
    /// <value>Default 400.</value>
    [Range(1, 1_000_000)]
    public int OtherBurst { get; set; } = 400;

    /// <summary>gRPC calls of one client in flight at once over all methods but SubmitJob, open WatchJob streams included.</summary>
    /// <value>Default 64.</value>
    [Range(1, 100_000)]
    public int OtherConcurrency { get; set; } = 64;

    /// <summary>
    /// Clients are told apart by their TCP peer address: an IPv4 address is one client, an IPv6 address counts by its
    /// prefix of this many bits (a /64 is what one subscriber usually gets, so one host cannot rotate through it).
    /// </summary>
    /// <value>Default 64.</value>
    [Range(1, 128)]
    public int Ipv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// Jobs one RunJobs call may have accepted and not yet answered; the node reads the call's next job only once one is
    /// answered (HTTP/2 flow control holds the sender), so a stream never holds more than this many opened jobs.
    /// </summary>
    /// <value>Default 64.</value>
    [Range(1, 4096)]
    public int MaxJobsPerStream { get; set; } = 64;

    /// <summary>WatchJob streams open on one job at once; more are refused with <c>WATCH_LIMIT_PER_JOB</c>.</summary>
    /// <value>Default 8.</value>
    [Range(1, 100_000)]
    public int MaxWatchersPerJob { get; set; } = 8;

    /// <summary>WatchJob streams open on the node at once; more are refused with <c>WATCH_LIMIT_TOTAL</c>.</summary>
    /// <value>Default 1024.</value>
    [Range(1, 1_000_000)]
    public int MaxWatchers { get; set; } = 1024;

    /// <summary>
    /// Job events buffered per WatchJob stream for a slow reader; when full the oldest is dropped (states only move forward,
    /// so the reader still sees the latest state and the terminal one).
    /// </summary>
    /// <value>Default 8.</value>
    [Range(1, 1024)]
    public int WatcherBuffer { get; set; } = 8;

    /// <summary>
    /// SubmitJob and UploadModel request bodies larger than <see cref="LargeBodyBytes"/> the node reads and holds at once
    /// (a body near the 64 MiB message limit costs several times its size while it is parsed, opened and checked). A further
    /// large body waits after its first <see cref="LargeBodyBytes"/>, its sender held by HTTP/2 flow control, for up to
    /// <see cref="LargeBodyWait"/>, then is refused <c>INTAKE_BUSY</c>. Small bodies never wait.
    /// </summary>
    /// <value>Default 2.</value>
    [Range(1, 4096)]
    public int MaxLargeBodies { get; set; } = 2;

    /// <summary>Size from which a request body counts against <see cref="MaxLargeBodies"/>.</summary>
    /// <value>Default 1 MiB.</value>
    [Range(4096, int.MaxValue)]
    public int LargeBodyBytes { get; set; } = 1 << 20;

    /// <summary>How long a large body waits for one of the <see cref="MaxLargeBodies"/> slots before it is refused.</summary>
    /// <value>Default 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan LargeBodyWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After the last large body, once none came for a second, make one compacting (aggressive) collection so that the
    /// memory of the burst goes back to the system instead of staying committed until the next full collection.
    /// </summary>
    /// <value>Default <c>true</c>.</value>
    public bool ReleaseMemoryAfterLargeBodies { get; set; } = true;

    /// <summary>
    /// How long a finished job stays in the journal for GetResult: a failed job from when it failed, a succeeded one from when
    /// it finished, and only once its receipt is in a posted batch (without a chain, from when it finished). Then the row is deleted.
    /// </summary>
    /// <value>Default 24 hours.</value>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan FinishedJobRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the journal is swept for finished jobs past <see cref="FinishedJobRetention"/>.</summary>
    /// <value>Default 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetentionSweepPeriod { get; set; } = TimeSpan.FromMinutes(10);
}
