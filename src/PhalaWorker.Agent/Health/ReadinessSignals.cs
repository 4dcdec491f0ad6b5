using System.Collections.Concurrent;

namespace PhalaWorker.Agent.Health;

/// <summary>The reported readiness inputs (thread-safe; last report wins).</summary>
internal sealed class ReadinessSignals : IReadinessReporter
{
    private readonly ConcurrentDictionary<ReadinessInput, (bool Ready, string Detail)> _reports = new();

    public void Report(ReadinessInput input, bool ready, string detail) => _reports[input] = (ready, detail);

    public bool TryGet(ReadinessInput input, out bool ready, out string detail)
    {
        if (_reports.TryGetValue(input, out var report))
        {
            (ready, detail) = report;
            return true;
        }

        (ready, detail) = (false, "");
        return false;
    }
}
