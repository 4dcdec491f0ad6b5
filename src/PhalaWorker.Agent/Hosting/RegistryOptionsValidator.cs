using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Checks the chain settings before anything is sent: an http(s) RPC URL, a 20-byte registry address, and an operator
/// key that is configured, whose file can be read and that is 32 bytes of hex (the key itself is never echoed), and retry
/// delays in order.
/// </summary>
internal sealed class RegistryOptionsValidator : IValidateOptions<RegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.RpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https"))
        {
            failures.Add($"Registry:RpcUrl '{options.RpcUrl}' is not an http(s):// URL");
        }

        if (string.IsNullOrWhiteSpace(options.Address) || !EthAddress.TryParse(options.Address.Trim(), null, out _))
        {
            failures.Add($"Registry:Address '{options.Address}' is not a 20-byte 0x-hex address with a valid EIP-55 checksum (--registry ADDR)");
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
                failures.Add("Registry:RpcUrl is set but no operator key is configured; give --operator-key-file FILE or Registry__OperatorKey");
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
