using System.Diagnostics;
using System.Text;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Hosting;

/// <summary>
/// Runs the built agent (<c>dotnet PhalaWorker.Agent.dll</c> from src/PhalaWorker.Agent's own output) as a real process
/// with an empty settings directory, so that what it prints and how it exits are what an operator sees.
/// </summary>
internal static class AgentExecutable
{
    public static string AgentDll => AgentBuild.AgentDll;

    public static ProcessStartInfo StartInfo(TempDirectory directory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        start.ArgumentList.Add(AgentDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PHALA_WORKER_CONFIG_DIR"] = directory.Path;
        start.Environment["Agent__JournalPath"] = directory.File("journal.db");
        start.Environment["Agent__MetricsListen"] = "";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>Runs the agent to its exit (it is expected to exit by itself); kills it after the default timeout.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TempDirectory directory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        ProcessRun.ToExitAsync(StartInfo(directory, args, environment), "the agent");

    public static int FreePort() => AgentBuild.FreeLoopbackPort();

    /// <summary>Text that only a printed exception (stack frame or unhandled-exception banner) contains.</summary>
    public static bool HasStackTrace(string text) =>
        text.Contains("Unhandled exception", StringComparison.Ordinal)
        || text.Split('\n').Any(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal) && line.Contains('(', StringComparison.Ordinal));

    public static string Describe(int exit, string stdout, string stderr) => new StringBuilder()
        .Append("exit ").Append(exit).AppendLine().Append("stderr: ").AppendLine(stderr).Append("stdout: ").Append(stdout).ToString();
}
