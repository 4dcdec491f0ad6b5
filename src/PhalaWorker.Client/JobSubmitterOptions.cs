namespace PhalaWorker.Client;

/// <summary>How long <see cref="JobSubmitter"/> waits.</summary>
public sealed class JobSubmitterOptions
{
    /// <summary>How long to wait for the receipt's batch to be posted on chain after the job finished; zero does not wait.</summary>
    /// <value>Default 60 seconds.</value>
    public TimeSpan InclusionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Polling period while waiting for the inclusion proof.</summary>
    /// <value>Default 500 ms.</value>
    public TimeSpan InclusionPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a job refused with <c>NODE_KEY_CHANGED</c> is re-verified, resealed and resubmitted (needs a NodeVerifier).</summary>
    /// <value>Default 1.</value>
    public int NodeKeyChangeRetries { get; set; } = 1;

    /// <summary>
    /// Sends jobs on one RunJobs call per submitter (many jobs per call, each answered once it ended) instead of SubmitJob
    /// then GetResult per job: fewer calls per job, for line rate. Jobs asking for progress still use WatchJob.
    /// </summary>
    /// <value>Default <c>false</c> (one call per job, which every node version answers).</value>
    public bool StreamJobs { get; set; }

    /// <summary>Clock for the polling delays.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
