using System.CommandLine;

namespace PhalaWorker.Cli;

/// <summary>
/// Builds the <c>phala-worker</c> command tree. Each area contributes its commands through an
/// <see cref="ICommandFactory"/> in <c>Commands/</c>, found by reflection so that areas never edit one shared list.
/// </summary>
internal static class CliApplication
{
    /// <summary>Exit code for accepted / success.</summary>
    public const int ExitOk = 0;
    /// <summary>Exit code for a negative verdict (rejected quote, failed test, failed verification).</summary>
    public const int ExitRejected = 1;
    /// <summary>Exit code for unusable input (bad file, bad arguments, unreachable endpoint).</summary>
    public const int ExitUsage = 2;

    /// <summary>
    /// A command line that does not parse: each error as <c>error: …</c>, then the failing command's help, all on stderr
    /// (stdout stays clean for scripts reading <c>--json</c>), and <see cref="ExitUsage"/>.
    /// </summary>
    private static async Task<int> UsageErrorAsync(RootCommand root, ParseResult parse, TextWriter stderr, CancellationToken cancellationToken)
    {
        foreach (var error in parse.Errors)
        {
            await stderr.WriteLineAsync($"error: {error.Message}");
        }

        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null && result.Command != root; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        await stderr.WriteLineAsync();
        path.Add("--help");
        var help = new InvocationConfiguration { Output = stderr, Error = stderr, EnableDefaultExceptionHandler = false };
        await root.Parse(path).InvokeAsync(help, cancellationToken);
        return ExitUsage;
    }

    public static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("phala-worker: submit encrypted AI jobs to attested PhalaWorker nodes, verify quotes, receipts and on-chain records.");
        var factories = typeof(CliApplication).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(ICommandFactory).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (ICommandFactory)Activator.CreateInstance(t, nonPublic: true)!);
        foreach (var factory in factories)
        {
            root.Subcommands.Add(factory.Create(context));
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // Progress lines are drawn only on a terminal's stderr (never into a pipe, a log or a test's writer).
        var context = new CliContext(stdout, stderr) { ErrorIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected };
        var root = BuildRootCommand(context);
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                return await UsageErrorAsync(root, parse, stderr, cancellationToken);
            }

            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("error: cancelled");
            return ExitUsage;
        }
        catch (CliException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return ex.ExitCode;
        }
    }
}

/// <summary>Contributes one top-level command (with its subcommands) to <c>phala-worker</c>.</summary>
internal interface ICommandFactory
{
    Command Create(CliContext context);
}

/// <summary>What commands write to; tests pass string writers.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>stderr is an interactive terminal: progress (<see cref="Internal.CliProgress"/>) may be drawn there.</summary>
    public bool ErrorIsTerminal { get; init; }
}

/// <summary>A CLI failure with a message for the user and the exit code to return.</summary>
internal sealed class CliException(string message, int exitCode = CliApplication.ExitUsage, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
