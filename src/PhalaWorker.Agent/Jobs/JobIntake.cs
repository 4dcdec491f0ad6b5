using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Opens envelopes and loads models for SubmitJob and UploadModel, at most
/// <see cref="AgentOptions.EffectiveConcurrentOpens"/> at a time, so that a flood of large envelopes cannot take every
/// core from running jobs and answering calls. A call that waits longer than <see cref="AgentOptions.QueueWait"/> for a
/// slot is refused with <c>RESOURCE_EXHAUSTED</c> / <c>INTAKE_BUSY</c>. The work runs on the calling handler's own
/// thread-pool thread once it holds a slot: the slots are the bound, and a <c>Task.Run</c> per call only moved the same
/// work to another pool thread (a thread hop per job, measured in the README's <i>Performance</i>).
/// </summary>
internal sealed class JobIntake : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _wait;

    public JobIntake(IOptions<AgentOptions> options)
    {
        var value = options.Value;
        Concurrency = value.EffectiveConcurrentOpens;
        _slots = new SemaphoreSlim(Concurrency, Concurrency);
        _wait = value.QueueWait;
    }

    public int Concurrency { get; }

    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!await _slots.WaitAsync(_wait, cancellationToken))
        {
            RpcErrors.ResourceExhausted(ReasonCodes.IntakeBusy, $"the node is opening {Concurrency} jobs already and none finished within {_wait.TotalSeconds:F1} s; retry later");
        }

        try
        {
            return work();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
