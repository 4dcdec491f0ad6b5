namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Runs the agent like a daemon: <c>--help</c> and <c>--version</c> answer before any host exists, and every start-up
/// failure ends as one stderr line (<c>phala-worker-agent: error: what, how to fix</c>) and a documented
/// <see cref="AgentExitCode"/>, never an unhandled exception.
/// </summary>
internal static class AgentHost
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string[], Task> run)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(run);
        switch (AgentCommandLine.Parse(args, out var error))
        {
            case AgentCommand.Help:
                await stdout.WriteLineAsync(AgentCommandLine.HelpText);
                return (int)AgentExitCode.Ok;
            case AgentCommand.Version:
                await stdout.WriteLineAsync($"{AgentCommandLine.ProgramName} {AgentCommandLine.Version}");
                return (int)AgentExitCode.Ok;
            case AgentCommand.Error:
                await stderr.WriteLineAsync($"{AgentCommandLine.ProgramName}: error: {error}");
                return (int)AgentExitCode.Configuration;
        }

        try
        {
            await run(args);
            return (int)AgentExitCode.Ok;
        }
        catch (HostAbortedException)
        {
            // WebApplicationFactory stops the entry point this way once it has the host: not a failure, let it through.
            throw;
        }
        catch (Exception ex) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(AgentHost).Assembly)
        {
            // Only when the agent is the process: a test host running Program (WebApplicationFactory) gets the exception.
            var (code, message) = AgentStartupFailure.Classify(ex);
            await stderr.WriteLineAsync($"{AgentCommandLine.ProgramName}: error: {message}");
            return (int)code;
        }
    }
}
