using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>What the journal did with a submitted job.</summary>
internal enum SubmitDisposition
{
    Added,
    Duplicate,
    Conflict,
}

internal readonly record struct SubmitOutcome(SubmitDisposition Disposition, JobState State);
