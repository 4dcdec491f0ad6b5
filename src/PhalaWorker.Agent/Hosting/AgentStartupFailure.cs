using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using PhalaWorker.Attestation;
using PhalaWorker.Chain;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Turns whatever stopped the agent from starting into one line for stderr and an <see cref="AgentExitCode"/>:
/// what went wrong, then how to fix it. Never a stack trace: the operator needs the setting to change, not our frames.
/// </summary>
internal static class AgentStartupFailure
{
    private const string SettingsHint = "fix the setting (appsettings.json, /etc/phala-worker/appsettings.json, Section__Key environment or --switch; see --help)";

    public static (AgentExitCode Code, string Message) Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var ex = Unwrap(exception);
        if (ex is AggregateException { InnerExceptions: var inner } && inner.All(e => e is OptionsValidationException))
        {
            // ValidateOnStart reports every invalid options class at once (e.g. Chain and Registry).
            var all = string.Join("; ", inner.Cast<OptionsValidationException>().Select(Describe));
            return (AgentExitCode.Configuration, $"invalid setting: {OneLine(all)}, {SettingsHint}");
        }

        return ex switch
        {
            AgentStartupException startup => (startup.Reason, startup.Message),
            OptionsValidationException validation => (AgentExitCode.Configuration, $"invalid setting: {Describe(validation)}, {SettingsHint}"),
            InvalidOperationException when ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
                (AgentExitCode.Configuration, $"invalid setting: {OneLine(ex.Message)}, {SettingsHint}"),
            InvalidDataException when ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) =>
                (AgentExitCode.Configuration, $"unreadable settings: {OneLine(ex.Message)} ({OneLine(ex.InnerException?.Message ?? "")}), fix its JSON"),
            FormatException when ex.Message.Contains("switch", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("command-line", StringComparison.OrdinalIgnoreCase) =>
                (AgentExitCode.Configuration, $"bad command line: {OneLine(ex.Message)}, see --help"),
            AttestationException attestation => (AgentExitCode.TeeUnavailable,
                $"TEE unavailable: {OneLine(attestation.Message)}, run inside an Intel TDX guest with configfs-tsm or /dev/tdx_guest (and libphala_tee.so next to the agent), or pass --tee emulated for tests"),
            ChainException chain => (AgentExitCode.Chain, $"chain: {OneLine(chain.Message)}, check Chain:RpcUrl, Chain:RegistryAddress and the operator account's balance"),
            HttpRequestException http => (AgentExitCode.Chain, $"chain unreachable: {OneLine(http.Message)}, check Chain:RpcUrl"),
            OperationCanceledException => (AgentExitCode.Chain,
                "start-up timed out (collateral fetch), check that Attestation:Collateral:BaseUrl answers"),
            IOException io when IsAddressInUse(io) => (AgentExitCode.Listen, $"cannot listen: {OneLine(io.Message)}, stop the other process or choose another --listen / --metrics-listen port"),
            SocketException socket => (AgentExitCode.Listen, $"cannot listen: {OneLine(socket.Message)}, give an address of this host in --listen / --metrics-listen"),
            SqliteException sqlite => (AgentExitCode.Storage, $"journal unusable: {OneLine(sqlite.Message)}, check Agent:JournalPath is a writable SQLite file"),
            UnauthorizedAccessException or IOException => (AgentExitCode.Storage, $"file access: {OneLine(ex.Message)}, check the path and its permissions"),
            _ => (AgentExitCode.Failure, $"unexpected {ex.GetType().Name}: {OneLine(ex.Message)}, this is a bug; report it with the log"),
        };
    }

    /// <summary>The innermost cause behind wrappers the host adds (aggregates of one, target invocation).</summary>
    private static Exception Unwrap(Exception exception)
    {
        var current = exception;
        while (true)
        {
            switch (current)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    current = aggregate.InnerExceptions[0];
                    continue;
                case System.Reflection.TargetInvocationException { InnerException: { } inner }:
                    current = inner;
                    continue;
                case IOException { InnerException: SocketException or IOException } io when IsAddressInUse(io):
                    return io;
                default:
                    return current;
            }
        }
    }

    private static bool IsAddressInUse(IOException io) =>
        io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
        || io.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable };

    /// <summary>"Registry:BatchSize: The field BatchSize must be between 1 and 4096." for each failure.</summary>
    private static string Describe(OptionsValidationException validation)
    {
        var section = validation.OptionsType.Name.EndsWith("Options", StringComparison.Ordinal) ? validation.OptionsType.Name[..^"Options".Length] : validation.OptionsType.Name;
        var parts = validation.Failures.Select(failure =>
        {
            // DataAnnotations: "DataAnnotation validation failed for 'X' members: 'M' with the error: 'E'."
            const string Members = "members: '";
            const string ErrorText = "' with the error: '";
            var m = failure.IndexOf(Members, StringComparison.Ordinal);
            var e = failure.IndexOf(ErrorText, StringComparison.Ordinal);
            if (m >= 0 && e > m)
            {
                var member = failure[(m + Members.Length)..e];
                var error = failure[(e + ErrorText.Length)..].TrimEnd('.', '\'');
                return error.StartsWith(section + ":", StringComparison.Ordinal) ? error : $"{section}:{member}: {error}";
            }

            return failure;
        });
        return OneLine(string.Join("; ", parts));
    }

    /// <summary>One line, at most 300 characters of detail (a dlopen failure lists every path it tried).</summary>
    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
