using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Client;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker registry deploy | allow-measurements | revoke-measurements | measurements</c>: deploys NodeRegistry and
/// manages / lists its measurement allow-list. Writes take <c>--key HEX | --keystore FILE | $PHALA_WORKER_KEY</c> (the
/// registry owner's key for the allow-list). Every command prints one JSON document on stdout. Exit 0 done, 1 the registry
/// refused (e.g. not the owner, already allowed, not allowed), 2 unusable input or unreachable node.
/// </summary>
internal sealed class RegistryCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var registry = new Command("registry", "Operate the NodeRegistry contract.");
        registry.Subcommands.Add(Deploy(context));
        registry.Subcommands.Add(AllowMeasurements(context));
        registry.Subcommands.Add(RevokeMeasurements(context));
        registry.Subcommands.Add(Measurements(context));
        return registry;
    }

    private static Command Deploy(CliContext context)
    {
        var deploy = new Command("deploy", "Deploy a new NodeRegistry (the deployer owns its measurement allow-list); prints {\"registry\", \"chainId\", \"deployer\", \"transactionHash\", \"blockNumber\"}.");
        var write = new WriteOptions(deploy, withRegistry: false);
        deploy.SetAction(async (parse, cancellationToken) => await write.RunAsync(parse, cancellationToken, async (sender, _, chainId, ct) =>
        {
            var deployed = await NodeRegistryClient.DeployAsync(sender, cancellationToken: ct);
            var receipt = deployed.DeploymentReceipt!;
            await context.Out.WriteLineAsync(new JsonObject
            {
                ["registry"] = deployed.Address.ToChecksumString(),
                ["chainId"] = chainId,
                ["deployer"] = sender.From.ToChecksumString(),
                ["transactionHash"] = receipt.TransactionHash.ToString(),
                ["blockNumber"] = receipt.BlockNumber,
            }.ToJsonString());
        }));
        return deploy;
    }

    private static Command AllowMeasurements(CliContext context)
    {
        var allow = new Command("allow-measurements",
            "Allow-list a TD measurement profile (registry owner only); prints {\"profileId\", \"name\", \"transactionHash\", \"blockNumber\"}.");
        var profileFile = new Option<FileInfo>("--profile")
        {
            Description = "Profile JSON as `measurements show` prints it: {name, mrTd, rtmr0, rtmr1, rtmr2, agentDigest, requiredSettings}.",
            Required = true,
        };
        allow.Options.Add(profileFile);
        var write = new WriteOptions(allow, withRegistry: true);
        allow.SetAction(async (parse, cancellationToken) =>
        {
            var entry = ReadProfile(parse.GetValue(profileFile)!);
            return await write.RunAsync(parse, cancellationToken, async (sender, address, chainId, ct) =>
            {
                var client = ChainClientFactory.CreateRegistry(sender.Rpc, address, chainId, sender);
                var done = await client.AllowMeasurementsAsync(entry, cancellationToken: ct);
                await context.Out.WriteLineAsync(new JsonObject
                {
                    ["profileId"] = done.Event.ProfileId.ToString(),
                    ["name"] = done.Event.Name,
                    ["transactionHash"] = done.Receipt.TransactionHash.ToString(),
                    ["blockNumber"] = done.Receipt.BlockNumber,
                }.ToJsonString());
            });
        });
        return allow;
    }

    private static Command RevokeMeasurements(CliContext context)
    {
        var revoke = new Command("revoke-measurements",
            "Remove a measurement profile from the allow-list (registry owner only); prints {\"profileId\", \"transactionHash\", \"blockNumber\"}.");
        var id = new Option<string>("--id") { Description = "The profile id (32-byte hex, as `registry measurements` or `allow-measurements` print it).", Required = true };
        revoke.Options.Add(id);
        var write = new WriteOptions(revoke, withRegistry: true);
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            var profileId = Hash32.TryParse(parse.GetValue(id)!.Trim(), null, out var parsed)
                ? parsed
                : throw new CliException($"--id: '{parse.GetValue(id)}' is not a 32-byte hex profile id.");
            return await write.RunAsync(parse, cancellationToken, async (sender, address, chainId, ct) =>
            {
                var client = ChainClientFactory.CreateRegistry(sender.Rpc, address, chainId, sender);
                var done = await client.RevokeMeasurementsAsync(profileId, cancellationToken: ct);
                await context.Out.WriteLineAsync(new JsonObject
                {
                    ["profileId"] = done.Event.ProfileId.ToString(),
                    ["transactionHash"] = done.Receipt.TransactionHash.ToString(),
                    ["blockNumber"] = done.Receipt.BlockNumber,
                }.ToJsonString());
            });
        });
        return revoke;
    }

    private static Command Measurements(CliContext context)
    {
        var list = new Command("measurements", "List the allow-listed measurement profiles; --json prints [{\"id\", \"profile\": {…}}] (each profile in `--profile` form).");
        var rpc = RegistryCliSupport.RpcOption();
        var registryOption = RegistryCliSupport.RegistryOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table." };
        var timeout = RegistryCliSupport.TimeoutOption();
        list.Options.Add(rpc);
        list.Options.Add(registryOption);
        list.Options.Add(json);
        list.Options.Add(timeout);
        list.SetAction(async (parse, cancellationToken) =>
        {
            var address = RegistryCliSupport.ParseAddress(parse.GetValue(registryOption)!, "--registry");
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(parse.GetValue(timeout));
            IReadOnlyList<(Hash32 Id, MeasurementProfile Profile)> profiles;
            try
            {
                using var reader = await RegistryReader.ConnectAsync(parse.GetValue(rpc)!, address, cts.Token);
                profiles = await reader.GetMeasurementProfilesWithIdsAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {parse.GetValue(timeout)}");
            }
            catch (WorkerClientException ex)
            {
                throw new CliException(ex.Message, CliApplication.ExitUsage, ex);
            }

            if (parse.GetValue(json))
            {
                var array = new JsonArray();
                foreach (var (profileId, profile) in profiles)
                {
                    array.Add(new JsonObject { ["id"] = profileId.ToString(), ["profile"] = JsonNode.Parse(MeasurementProfileJson.ToJson(profile, indented: false)) });
                }

                await context.Out.WriteLineAsync(array.ToJsonString());
            }
            else
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{profiles.Count} allowed measurement profile(s)"));
                foreach (var (profileId, p) in profiles)
                {
                    await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{profileId}  {p.Name}  mrTd={Convert.ToHexStringLower(p.MrTd)[..16]}…  agent={Convert.ToHexStringLower(p.AgentDigest)[..16]}…  settings={p.RequiredSettings.Count}"));
                }
            }

            return CliApplication.ExitOk;
        });
        return list;
    }

    private static MeasurementProfileEntry ReadProfile(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliException($"--profile: {file.FullName} does not exist.");
        }

        try
        {
            return RegistryReader.ToEntry(MeasurementProfileJson.Parse(File.ReadAllText(file.FullName)));
        }
        catch (Exception ex) when (ex is AttestationException or ChainException or JsonException or IOException)
        {
            throw new CliException($"--profile: {file.Name} is not a valid measurement profile: {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    /// <summary>The options of a command that sends a transaction, and the run around it (signer, sender, errors, timeout).</summary>
    private sealed class WriteOptions
    {
        private readonly Option<Uri> _rpc = RegistryCliSupport.RpcOption();
        private readonly Option<string>? _registry;
        private readonly Option<string> _key = new("--key") { Description = "Private key (hex). Prefer --keystore or $PHALA_WORKER_KEY: command lines are visible to other users." };
        private readonly Option<FileInfo> _keystore = new("--keystore") { Description = "The key: a Web3 Secret Storage keystore (JSON) or a file holding the hex key." };
        private readonly Option<FileInfo?> _passwordFile = RegistryCliSupport.PasswordFileOption();
        private readonly Option<int> _confirmations = new("--confirmations") { Description = "Blocks to wait for (default 1).", DefaultValueFactory = _ => 1 };
        private readonly Option<TimeSpan> _timeout = RegistryCliSupport.TimeoutOption();

        public WriteOptions(Command command, bool withRegistry)
        {
            command.Options.Add(_rpc);
            if (withRegistry)
            {
                _registry = RegistryCliSupport.RegistryOption();
                command.Options.Add(_registry);
            }

            command.Options.Add(_key);
            command.Options.Add(_keystore);
            command.Options.Add(_passwordFile);
            command.Options.Add(_confirmations);
            command.Options.Add(_timeout);
        }

        public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<TransactionSender, EthAddress, ulong, CancellationToken, Task> action)
        {
            var address = _registry is null ? EthAddress.Zero : RegistryCliSupport.ParseAddress(parse.GetValue(_registry)!, "--registry");
            using EthSigner signer = RegistryCliSupport.LoadSigner(parse.GetValue(_key), parse.GetValue(_keystore), parse.GetValue(_passwordFile));
            using var http = ChainClientFactory.CreateStandalone();
            var chain = RegistryCliSupport.ChainSettings(parse.GetValue(_rpc)!, parse.GetValue(_confirmations), parse.GetValue(_timeout));
            var client = http.CreateRpc(chain.RpcUrl!, chain.ToJsonRpcClientOptions());
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(parse.GetValue(_timeout));
            try
            {
                var chainId = await client.ChainIdAsync(cts.Token);
                using var sender = http.CreateSender(client, signer, new InMemoryTransactionStore(), chain.ToSenderOptions(chainId));
                await action(sender, address, chainId, cts.Token);
                return CliApplication.ExitOk;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {parse.GetValue(_timeout)}");
            }
            catch (NodeRegistryException ex) when (ex.Error != NodeRegistryError.Unknown)
            {
                throw new CliException($"the registry refused: {ex.Error}{(ex.Arguments.Count > 0 ? " (" + string.Join(", ", ex.Arguments) + ")" : "")}", CliApplication.ExitRejected, ex);
            }
            catch (ChainException ex)
            {
                throw RegistryCliSupport.ToCliException(ex);
            }
        }
    }
}
