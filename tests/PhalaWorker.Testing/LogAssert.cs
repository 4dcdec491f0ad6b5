using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;

namespace PhalaWorker.Testing;

/// <summary>
/// Fails a test when the server logged an Error (or worse) the test did not expect (CONVENTIONS.md 21).
/// Works over <see cref="FakeLogCollector"/> from Microsoft.Extensions.Diagnostics.Testing.
/// </summary>
public static class LogAssert
{
    /// <summary>Asserts no record at Error or above, except those whose event name or message matches <paramref name="expected"/>.</summary>
    public static void VerifyNoErrors(FakeLogCollector collector, Func<FakeLogRecord, bool>? expected = null)
    {
        ArgumentNullException.ThrowIfNull(collector);
        var unexpected = collector.GetSnapshot()
            .Where(r => r.Level >= LogLevel.Error && (expected is null || !expected(r)))
            .Select(r => $"[{r.Level}] {r.Category} {r.Id}: {r.Message} {r.Exception}")
            .ToList();
        Assert.That(unexpected, Is.Empty, "the server logged unexpected errors");
    }

    /// <summary>True when some record at <paramref name="level"/> or above has event id <paramref name="eventId"/>.</summary>
    public static bool Contains(FakeLogCollector collector, int eventId, LogLevel level = LogLevel.Trace)
    {
        ArgumentNullException.ThrowIfNull(collector);
        return collector.GetSnapshot().Any(r => r.Id.Id == eventId && r.Level >= level);
    }
}
