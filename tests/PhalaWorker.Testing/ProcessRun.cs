using System.Diagnostics;

namespace PhalaWorker.Testing;

/// <summary>Runs a child process to its exit, collecting its output; kills its tree after the default test timeout.</summary>
public static class ProcessRun
{
    /// <summary>
    /// Starts <paramref name="start"/> (stdout and stderr redirected), waits for its exit, and returns the exit code and
    /// output. A process still running at <see cref="TaskTimeoutExtensions.DefaultTimeoutSpan"/> is killed and reported as a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and what it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> ToExitAsync(ProcessStartInfo start, string what)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException(what + " did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync(TaskTimeoutExtensions.DefaultTimeoutToken());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not finish in {TaskTimeoutExtensions.DefaultTimeoutSpan}:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
