using System.CommandLine;
using System.Text.Json.Nodes;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Cli.Commands;

/// <summary><c>phala-worker registry deploy --rpc URL [--key HEX | --keystore FILE | $PHALA_WORKER_KEY]</c>: deploys NodeRegistry, prints JSON.</summary>
internal sealed class RegistryCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var registry = new Command("registry", "Operate the NodeRegistry contract.");
        var deploy = new Command("deploy", "Deploy a new NodeRegistry; prints {\"registry\", \"chainId\", \"deployer\", \"transactionHash\", \"blockNumber\"}.");
        var rpc = RegistryCliSupport.RpcOption();
        var key = new Option<string>("--key") { Description = "Deployer private key (hex). Prefer --keystore or $PHALA_WORKER_KEY: command lines are visible to other users." };
        var keystore = new Option<FileInfo>("--keystore") { Description = "The deployer's key: a Web3 Secret Storage keystore (JSON) or a file holding the hex key." };
        var passwordFile = RegistryCliSupport.PasswordFileOption();
        var confirmations = new Option<int>("--confirmations") { Description = "Blocks to wait for (default 1).", DefaultValueFactory = _ => 1 };
        var timeout = RegistryCliSupport.TimeoutOption();
        deploy.Options.Add(rpc);
        deploy.Options.Add(key);
        deploy.Options.Add(keystore);
        deploy.Options.Add(passwordFile);
        deploy.Options.Add(confirmations);
        deploy.Options.Add(timeout);
        deploy.SetAction(async (parse, cancellationToken) =>
        {
            using var signer = RegistryCliSupport.LoadSigner(parse.GetValue(key), parse.GetValue(keystore), parse.GetValue(passwordFile));
            using var http = new RegistryCliSupport.HttpClientFactory();
            var client = RegistryCliSupport.CreateRpc(parse.GetValue(rpc)!, http);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(parse.GetValue(timeout));
            try
            {
                var chainId = await client.ChainIdAsync(cts.Token);
                var options = new TransactionSenderOptions
                {
                    ChainId = chainId,
                    Confirmations = Math.Max(1, parse.GetValue(confirmations)),
                    PollInterval = TimeSpan.FromMilliseconds(250),
                    ReceiptTimeout = parse.GetValue(timeout),
                };
                using var sender = new TransactionSender(client, signer, new InMemoryTransactionStore(), options);
                var deployed = await NodeRegistryClient.DeployAsync(sender, cancellationToken: cts.Token);
                var receipt = deployed.DeploymentReceipt!;
                await context.Out.WriteLineAsync(new JsonObject
                {
                    ["registry"] = deployed.Address.ToChecksumString(),
                    ["chainId"] = chainId,
                    ["deployer"] = signer.Address.ToChecksumString(),
                    ["transactionHash"] = receipt.TransactionHash.ToString(),
                    ["blockNumber"] = receipt.BlockNumber,
                }.ToJsonString());
                return CliApplication.ExitOk;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {parse.GetValue(timeout)}");
            }
            catch (ChainException ex)
            {
                throw RegistryCliSupport.ToCliException(ex);
            }
        });
        registry.Subcommands.Add(deploy);
        return registry;
    }
}
