namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Where settings come from, later sources winning: built-in logging defaults, <c>appsettings.json</c> (and
/// <c>appsettings.{Environment}.json</c>) next to the agent's binaries, <c>appsettings.json</c> in
/// <see cref="ConfigDirectory"/>, environment variables (<c>Section__Key</c>), then the command line. The working
/// directory plays no part, so the agent reads the same files under systemd, in a container and from a shell.
/// </summary>
internal static class AgentConfiguration
{
    /// <summary>Environment variable naming the operator's settings directory (default <c>/etc/phala-worker</c>).</summary>
    public const string ConfigDirectoryVariable = "PHALA_WORKER_CONFIG_DIR";

    /// <summary>The operator's settings directory.</summary>
    public static string ConfigDirectory =>
        Environment.GetEnvironmentVariable(ConfigDirectoryVariable) is { Length: > 0 } directory ? directory : "/etc/phala-worker";

    /// <summary>
    /// Library categories log warnings and above unless a settings file says otherwise; the agent's own categories log
    /// at Information (at most one line per job). The host's own "failed to start" record is left to the one stderr line
    /// <see cref="AgentHost"/> prints, so a start-up error is never a stack trace.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> LoggingDefaults { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:System"] = "Warning",
        ["Logging:LogLevel:System.Net.Http"] = "Warning",
        ["Logging:LogLevel:Grpc"] = "Warning",
        ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "Critical",
        // An unready check is logged at Error on every probe (a chain down at start: one per readiness probe); /healthz/ready
        // and the agent's own warnings already say why.
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical",
    };

    /// <summary>Replaces the default sources (which read the working directory) with the agent's.</summary>
    public static ConfigurationManager AddAgentConfiguration(this ConfigurationManager configuration, string[] args, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(LoggingDefaults);
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment.EnvironmentName}.json"), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(Path.GetFullPath(ConfigDirectory), "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args, AgentOptions.SwitchMappings);
        return configuration;
    }
}
