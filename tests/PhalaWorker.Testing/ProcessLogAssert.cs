using System.Text;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace PhalaWorker.Testing;

/// <summary>
/// The "no unexpected Error in the server log" check (CONVENTIONS.md 21) for an agent run as a real process: reads the
/// records its console logger wrote (the simple formatter: <c>fail: Category[EventId]</c>, the message on the indented
/// lines below) from the captured output, so a test asserts on its own agent's log and the failure is that test's.
/// </summary>
public static class ProcessLogAssert
{
    private static readonly Dictionary<string, LogLevel> Prefixes = new(StringComparer.Ordinal)
    {
        ["trce: "] = LogLevel.Trace,
        ["dbug: "] = LogLevel.Debug,
        ["info: "] = LogLevel.Information,
        ["warn: "] = LogLevel.Warning,
        ["fail: "] = LogLevel.Error,
        ["crit: "] = LogLevel.Critical,
    };

    /// <summary>The records in <paramref name="output"/> at <paramref name="minimum"/> or above, each as its header line and message.</summary>
    public static IReadOnlyList<ProcessLogRecord> Records(string output, LogLevel minimum = LogLevel.Trace)
    {
        ArgumentNullException.ThrowIfNull(output);
        var records = new List<ProcessLogRecord>();
        LogLevel? level = null;
        string? header = null;
        var message = new StringBuilder();
        foreach (var line in output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var prefix = line.Length >= 6 ? line[..6] : "";
            if (Prefixes.TryGetValue(prefix, out var next))
            {
                Flush();
                level = next;
                header = line[6..];
            }
            else if (level is not null && line.StartsWith("      ", StringComparison.Ordinal))
            {
                message.AppendLine(line.Trim());
            }
            else
            {
                Flush(); // a line the logger did not write (a stderr message, a banner) ends the record
            }
        }

        Flush();
        return records;

        void Flush()
        {
            if (level is { } l && header is not null && l >= minimum)
            {
                records.Add(new ProcessLogRecord(l, header, message.ToString().TrimEnd()));
            }

            level = null;
            header = null;
            message.Clear();
        }
    }

    /// <summary>The records at Error or above that <paramref name="expected"/> does not accept.</summary>
    public static IReadOnlyList<ProcessLogRecord> UnexpectedErrors(string output, Func<ProcessLogRecord, bool>? expected = null) =>
        Records(output, LogLevel.Error).Where(r => expected is null || !expected(r)).ToList();

    /// <summary>
    /// Fails the current test when <paramref name="output"/> holds an Error record <paramref name="expected"/> does not accept,
    /// or holds no log record at all (then the output is not the console format this reads, and the check would prove nothing).
    /// </summary>
    public static void VerifyNoErrors(string output, Func<ProcessLogRecord, bool>? expected = null, string agent = "the agent")
    {
        Assert.That(Records(output), Is.Not.Empty, $"{agent} wrote no console log record: the log check reads nothing\n{output}");
        Assert.That(UnexpectedErrors(output, expected).Select(r => r.ToString()), Is.Empty, $"{agent} logged unexpected errors");
    }
}

/// <summary>One console log record of an agent process.</summary>
public sealed record ProcessLogRecord(LogLevel Level, string Header, string Message)
{
    public override string ToString() => $"[{Level}] {Header}: {Message}";
}
