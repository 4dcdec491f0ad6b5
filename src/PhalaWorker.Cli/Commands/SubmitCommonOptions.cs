using System.CommandLine;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>The options <c>submit</c> and <c>attest</c> share: where the node and its registry are, and how strict to be.</summary>
internal sealed class SubmitCommonOptions
{
    private readonly Option<string> _endpoint = new("--endpoint") { Description = "The node's gRPC endpoint, e.g. https://127.0.0.1:7080 (RA-TLS: the TLS key is pinned from the node's attestation).", Required = true };
    private readonly Option<string?> _rpc = new("--rpc") { Description = "JSON-RPC URL of the chain holding the NodeRegistry." };
    private readonly Option<string?> _registry = new("--registry") { Description = "NodeRegistry contract address (0x…)." };
    private readonly Option<bool> _allowEmulated = new("--allow-emulated") { Description = "Accept a node running the software-emulated TEE (testing only: nothing is confidential)." };
    private readonly Option<FileInfo?> _policy = new("--policy") { Description = "Attestation policy JSON (default: strict — UpToDate TCB, no debug, no emulation)." };
    private readonly Option<FileInfo?> _collateral = new("--collateral") { Description = "QuoteCollateralV3 JSON to verify the quote with (default: the collateral the node staples)." };
    private readonly Option<FileInfo[]> _measurements = new("--measurements")
    {
        Description = "Accepted TD measurement profiles (MeasurementProfileJson: one object, an array, or the output of `measurements show --json`); repeatable. Without one every node is refused.",
    };
    private readonly Option<bool> _trustAnyMeasurement = new("--trust-any-measurement")
    {
        Description = "DANGEROUS: accept any TD measurements (a host-modified agent would be accepted). Prints a WARNING.",
    };
    private readonly Option<bool> _insecureTransport = new("--insecure-transport")
    {
        Description = "DANGEROUS: accept a node whose gRPC is not RA-TLS pinned to its attestation (tls.mode=plaintext, or an http:// endpoint): job ids, sizes and timing are visible on the wire. Prints a WARNING.",
    };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object." };
    private readonly Option<TimeSpan> _timeout = CliDuration.Option("--timeout", "Overall time limit", TimeSpan.FromMinutes(2));

    public void AddTo(Command command)
    {
        command.Options.Add(_endpoint);
        command.Options.Add(_rpc);
        command.Options.Add(_registry);
        command.Options.Add(_allowEmulated);
        command.Options.Add(_policy);
        command.Options.Add(_collateral);
        command.Options.Add(_measurements);
        command.Options.Add(_trustAnyMeasurement);
        command.Options.Add(_insecureTransport);
        command.Options.Add(_json);
        command.Options.Add(_timeout);
    }

    public SubmitCommonSettings Read(ParseResult parseResult)
    {
        var rpcText = parseResult.GetValue(_rpc);
        var rpc = rpcText is null ? null : ParseUrl("--rpc", rpcText);
        var registryText = parseResult.GetValue(_registry);
        EthAddress? registry = null;
        if (registryText is not null)
        {
            if (!EthAddress.TryParse(registryText, null, out var parsed))
            {
                throw new CliException($"--registry '{registryText}' is not an address (0x + 40 hex digits, EIP-55 checksum if mixed case)");
            }

            registry = parsed;
        }

        if ((rpc is null) != (registry is null))
        {
            throw new CliException("--rpc and --registry go together: both are needed to check the node's on-chain registration");
        }

        return new SubmitCommonSettings(
            ParseUrl("--endpoint", parseResult.GetRequiredValue(_endpoint)),
            rpc,
            registry,
            parseResult.GetValue(_allowEmulated),
            parseResult.GetValue(_policy),
            parseResult.GetValue(_collateral),
            parseResult.GetValue(_measurements) ?? [],
            parseResult.GetValue(_trustAnyMeasurement),
            parseResult.GetValue(_json),
            parseResult.GetValue(_timeout))
        {
            InsecureTransport = parseResult.GetValue(_insecureTransport),
        };
    }

    private static Uri ParseUrl(string option, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException($"{option} '{text}' is not an http:// or https:// URL");

}

/// <summary>The parsed shared options.</summary>
internal sealed record SubmitCommonSettings(
    Uri Endpoint,
    Uri? Rpc,
    EthAddress? Registry,
    bool AllowEmulated,
    FileInfo? Policy,
    FileInfo? Collateral,
    IReadOnlyList<FileInfo> Measurements,
    bool TrustAnyMeasurement,
    bool Json,
    TimeSpan Timeout)
{
    /// <summary>--insecure-transport: accept a node not reached over RA-TLS.</summary>
    public bool InsecureTransport { get; init; }
}
