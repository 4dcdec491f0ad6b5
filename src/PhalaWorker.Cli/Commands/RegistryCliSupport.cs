using System.CommandLine;
using PhalaWorker.Chain;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>Options and plumbing shared by the chain commands (<c>registry</c>, <c>nodes</c>, <c>result</c>).</summary>
internal static class RegistryCliSupport
{
    /// <summary>Environment variable holding the hex private key when neither --key nor --keystore is given.</summary>
    public const string KeyEnvironmentVariable = "PHALA_WORKER_KEY";

    public static Option<Uri> RpcOption() => new("--rpc")
    {
        Description = "JSON-RPC endpoint of the chain (e.g. http://127.0.0.1:8545).",
        Required = true,
        CustomParser = r => Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--rpc: '{r.Tokens.Single().Value}' is not an http(s) URL."),
    };

    public static Option<string> RegistryOption() => new("--registry")
    {
        Description = "Address of the NodeRegistry contract.",
        Required = true,
    };

    public static Option<TimeSpan> TimeoutOption() => CliDuration.Option("--timeout", "Give up after this long", TimeSpan.FromMinutes(2));

    /// <summary>A --password-file option for keystores (the file's first line is the password).</summary>
    public static Option<FileInfo?> PasswordFileOption() => new("--password-file")
    {
        Description = "File whose first line is the --keystore password (default: prompt on the terminal).",
    };

    /// <summary>The keystore password: the first line of <paramref name="passwordFile"/>, else typed at the terminal (not echoed).</summary>
    private static string ReadPassword(FileInfo? passwordFile)
    {
        if (passwordFile is not null)
        {
            if (!passwordFile.Exists)
            {
                throw new CliException($"--password-file: {passwordFile.FullName} does not exist.");
            }

            using var reader = passwordFile.OpenText();
            return reader.ReadLine() ?? "";
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException("--keystore is an encrypted keystore: give --password-file FILE (no terminal to prompt on).");
        }

        Console.Error.Write("Keystore password: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return password.ToString();
    }

    public static EthAddress ParseAddress(string text, string option)
    {
        try
        {
            return EthAddress.Parse(text.Trim());
        }
        catch (FormatException ex)
        {
            throw new CliException($"{option}: {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    /// <summary>
    /// The signing key from --key, else --keystore (a Web3 Secret Storage JSON keystore, unlocked with --password-file or
    /// an interactive prompt; or a file holding the hex key), else $PHALA_WORKER_KEY.
    /// </summary>
    public static EthSigner LoadSigner(string? keyHex, FileInfo? keystore, FileInfo? passwordFile = null)
    {
        string? source;
        string? hex;
        if (keyHex is not null)
        {
            (source, hex) = ("--key", keyHex);
        }
        else if (keystore is not null)
        {
            if (!keystore.Exists)
            {
                throw new CliException($"--keystore: {keystore.FullName} does not exist.");
            }

            if (keystore.Length > 64 * 1024)
            {
                throw new CliException($"--keystore: {keystore.FullName} is larger than 64 KiB; give a keystore or hex key file.");
            }

            var text = File.ReadAllText(keystore.FullName);
            if (Web3KeyStore.IsKeyStore(text))
            {
                var key = Web3KeyStore.Decrypt(text, ReadPassword(passwordFile));
                try
                {
                    return new EthSigner(key);
                }
                catch (ChainException ex)
                {
                    throw new CliException($"--keystore: {ex.Message}", CliApplication.ExitUsage, ex);
                }
                finally
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
                }
            }

            (source, hex) = ("--keystore", text.Trim());
        }
        else
        {
            (source, hex) = ("$" + KeyEnvironmentVariable, Environment.GetEnvironmentVariable(KeyEnvironmentVariable));
        }

        if (string.IsNullOrWhiteSpace(hex))
        {
            throw new CliException($"no signing key: pass --key HEX, --keystore FILE or set {KeyEnvironmentVariable}.");
        }

        try
        {
            return EthSigner.FromHex(hex.Trim());
        }
        catch (ChainException ex)
        {
            throw new CliException($"{source}: {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    /// <summary>
    /// The CLI's chain settings, in the same options class the agent binds (section <c>Chain</c>): the switches set its
    /// members, the rest keep the CLI's own defaults (a longer request timeout, fewer retries, faster polling than a node's).
    /// </summary>
    public static ChainOptions ChainSettings(Uri rpcUrl, int confirmations = 1, TimeSpan? receiptTimeout = null) => new()
    {
        RpcUrl = rpcUrl,
        Confirmations = Math.Max(1, confirmations),
        RequestTimeout = TimeSpan.FromSeconds(15),
        MaxRetries = 2,
        PollInterval = TimeSpan.FromMilliseconds(250),
        ReceiptTimeout = receiptTimeout ?? TimeSpan.FromMinutes(10),
    };

    public static EthJsonRpcClient CreateRpc(Uri endpoint, ChainClientFactory factory) =>
        factory.CreateRpc(endpoint, ChainSettings(endpoint).ToJsonRpcClientOptions());

    /// <summary>Maps chain failures to CLI errors: unreachable node → exit 2 with the node's address.</summary>
    public static CliException ToCliException(ChainException ex) => ex switch
    {
        JsonRpcException rpc when rpc.IsTransient => new CliException($"the chain node is unreachable: {rpc.Message}", CliApplication.ExitUsage, ex),
        _ => new CliException(ex.Message, CliApplication.ExitUsage, ex),
    };
}
