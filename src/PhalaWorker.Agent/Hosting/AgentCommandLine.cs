namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// The agent's own reading of its arguments, before any host exists: <c>--help</c>, <c>--version</c>, and a strict check
/// that every switch is known and has a value (ASP.NET Core's command-line provider would take a typo as a new key and
/// ignore it). Keys may also be given in full (<c>--Registry:BatchSize 4</c> or <c>--Registry:BatchSize=4</c>).
/// </summary>
internal static class AgentCommandLine
{
    public const string ProgramName = "phala-worker-agent";

    /// <summary>Keys the generic host itself reads from the command line (WebApplicationFactory passes some of them).</summary>
    /// <summary>
    /// Keys the generic host itself reads from the command line, and the settings sections (WebApplicationFactory passes
    /// its settings as <c>--Section=</c> and <c>--Section:Key=value</c>).
    /// </summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "environment", "contentRoot", "applicationName", "Agent", "Attestation", "Registry", "Compute", "Chain", "Logging",
    };

    public static string Version => new AgentOptions().AgentVersion;

    /// <summary>What the arguments ask for: run (with <paramref name="error"/> empty), help, version, or an error.</summary>
    public static AgentCommand Parse(IReadOnlyList<string> args, out string error)
    {
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                return AgentCommand.Help;
            }

            if (arg is "--version")
            {
                return AgentCommand.Version;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"unexpected argument '{arg}', switches are --name VALUE (see --help)";
                return AgentCommand.Error;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            if (string.Equals(name, "--urls", StringComparison.OrdinalIgnoreCase))
            {
                error = "--urls is not supported, use --listen URL for gRPC and --metrics-listen URL for /metrics and /healthz";
                return AgentCommand.Error;
            }

            if (!AgentOptions.SwitchMappings.ContainsKey(name) && !name.Contains(':', StringComparison.Ordinal) && !HostKeys.Contains(name[2..]))
            {
                error = $"unknown switch '{name}', see --help for the switches (or give a setting in full, e.g. --Registry:BatchSize 4)";
                return AgentCommand.Error;
            }

            if (equals < 0)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    error = $"{name} needs a value, e.g. {name} {Example(name)}";
                    return AgentCommand.Error;
                }

                i++;
            }
        }

        return AgentCommand.Run;
    }

    private static string Example(string name) => name switch
    {
        "--tee" => "emulated",
        "--listen" => "https://127.0.0.1:7080",
        "--tls-mode" => "ra-tls",
        "--metrics-listen" => "http://127.0.0.1:9464",
        "--backend" => "cpu",
        "--rpc" => "http://127.0.0.1:8545",
        "--registry" => "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--chain-id" => "8453",
        _ => "VALUE",
    };

    public static string HelpText => $"""
        Usage: {ProgramName} [switches]

        The PhalaWorker node agent: attests the node (Intel TDX), serves encrypted ONNX jobs over gRPC (HTTP/2),
        and registers the node and posts receipt batches to the NodeRegistry contract.

        Switches (each sets the configuration key after it):
          --tee auto|configfs-tsm|tdx-guest|emulated   Attestation:Tee (default auto; emulated is for tests only)
          --backend cpu|ilgpu-cpu|cuda                 Compute:Backend (default cpu)
          --listen URL                                 Agent:Listen, gRPC (default https://127.0.0.1:7080)
          --tls-mode ra-tls|plaintext                  Agent:TlsMode (default ra-tls: TLS with a TD-born key bound in the quote;
                                                       plaintext serves h2c, is measured, and default clients refuse it)
          --metrics-listen URL                         Agent:MetricsListen, /metrics and /healthz (default http://127.0.0.1:9464; empty: off)
          --journal FILE                               Agent:JournalPath (default phala-worker.db)
          --rpc URL                                    Chain:RpcUrl (empty: run without a chain)
          --registry ADDR                              Chain:RegistryAddress
          --chain-id ID                                Chain:ChainId (default 0: the id the RPC endpoint reports)
          --operator-key-file FILE                     Registry:OperatorKeyFile (hex key; or Registry__OperatorKey in the environment)
          --Section:Key VALUE                          any other setting (see deploy/README.md)
          --help, --version                            print this or the version and exit

        Settings are read in this order, later ones winning: appsettings.json next to the agent,
        $PHALA_WORKER_CONFIG_DIR/appsettings.json (default /etc/phala-worker/appsettings.json), environment variables
        (Section__Key), then these switches.

        Exit codes: 0 stopped normally, 1 unexpected failure, 2 configuration, 3 TEE unavailable,
        4 chain or registration, 5 journal or identity storage, 6 address could not be bound.
        """;
}

/// <summary>What the command line asks the agent to do.</summary>
internal enum AgentCommand
{
    Run,
    Help,
    Version,
    Error,
}
