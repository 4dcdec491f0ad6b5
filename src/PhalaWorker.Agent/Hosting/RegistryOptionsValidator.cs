using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Checks the chain settings before anything is sent: an http(s) RPC URL, a 20-byte registry address, and an operator
/// key that is configured, whose file can be read and that is 32 bytes of hex (the key itself is never echoed), and retry
/// delays in order. A setting left under the name it had before the chain settings moved to <see cref="ChainOptions"/>
/// is refused, naming its new key: read silently as "no chain", it would leave a node unregistered.
/// </summary>
internal sealed class RegistryOptionsValidator(IOptions<ChainOptions> chainOptions, IConfiguration configuration) : IValidateOptions<RegistryOptions>
{
    /// <summary>Keys that moved: old name → new name.</summary>
    private static readonly (string Old, string New)[] MovedKeys =
    [
        ("Registry:RpcUrl", "Chain:RpcUrl"),
        ("Registry:Address", "Chain:RegistryAddress"),
        ("Registry:ChainId", "Chain:ChainId"),
        ("Agent:BatchSize", "Registry:BatchSize"),
        ("Agent:BatchMaxAge", "Registry:BatchMaxAge"),
        ("Agent:HeartbeatPeriod", "Registry:HeartbeatPeriod"),
    ];

    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (old, moved) in MovedKeys)
        {
            if (!string.IsNullOrEmpty(configuration[old]))
            {
                failures.Add($"{old} is now {moved} (environment {moved.Replace(":", "__", StringComparison.Ordinal)}); rename it");
            }
        }

        var chain = chainOptions.Value;
        if (!chain.Enabled)
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (chain.RpcUrl is not { IsAbsoluteUri: true } rpc || rpc.Scheme is not ("http" or "https"))
        {
            failures.Add($"Chain:RpcUrl '{chain.RpcUrl}' is not an http(s):// URL (--rpc URL)");
        }

        if (string.IsNullOrWhiteSpace(chain.RegistryAddress) || !EthAddress.TryParse(chain.RegistryAddress.Trim(), null, out _))
        {
            failures.Add($"Chain:RegistryAddress '{chain.RegistryAddress}' is not a 20-byte 0x-hex address with a valid EIP-55 checksum (--registry ADDR)");
        }

        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            failures.Add($"Registry:RetryMaxDelay ({options.RetryMaxDelay}) is shorter than Registry:RetryInitialDelay ({options.RetryInitialDelay})");
        }

        if (!string.IsNullOrWhiteSpace(options.OperatorKey))
        {
            CheckKey(options.OperatorKey, "Registry:OperatorKey", failures);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(options.OperatorKeyFile))
            {
                failures.Add("Chain:RpcUrl is set but no operator key is configured; give --operator-key-file FILE or Registry__OperatorKey");
            }
            else if (!File.Exists(options.OperatorKeyFile))
            {
                failures.Add($"Registry:OperatorKeyFile '{options.OperatorKeyFile}' does not exist");
            }
            else
            {
                try
                {
                    using var file = File.OpenRead(options.OperatorKeyFile);
                    if (file.Length == 0)
                    {
                        failures.Add($"Registry:OperatorKeyFile '{options.OperatorKeyFile}' is empty; put the operator's hex private key in it");
                    }
                    else
                    {
                        using var reader = new StreamReader(file);
                        CheckKey(reader.ReadToEnd(), $"Registry:OperatorKeyFile '{options.OperatorKeyFile}'", failures);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failures.Add($"Registry:OperatorKeyFile '{options.OperatorKeyFile}' cannot be read ({ex.GetType().Name}); check its owner and mode 0600");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The key must be 32 bytes of hex: checked here, at start, so that a bad key exits with the configuration code at once
    /// instead of surfacing only once the chain answers (registration is retried in the background while it is down).
    /// </summary>
    private static void CheckKey(string text, string what, List<string> failures)
    {
        var trimmed = text.Trim();
        var hex = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? trimmed[2..] : trimmed;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            failures.Add($"{what} is not a 32-byte hex private key");
        }
    }
}
