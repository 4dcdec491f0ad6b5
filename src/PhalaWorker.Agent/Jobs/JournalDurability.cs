namespace PhalaWorker.Agent.Jobs;

/// <summary>How durable an acknowledged journal write is (<see cref="AgentOptions.JournalDurability"/>).</summary>
public enum JournalDurability
{
    /// <summary>SQLite <c>synchronous = FULL</c>: every group commit is fsynced before any write in it is acknowledged; survives kill -9 and power loss.</summary>
    Strict = 0,

    /// <summary>SQLite <c>synchronous = NORMAL</c> (WAL): acknowledged writes survive a process crash (kill -9) but the last commits may be lost on a power loss.</summary>
    Process = 1,
}
