using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker nodes list --rpc URL --registry ADDR [--json] [--active]</c>: the registered nodes with their TEE name,
/// status (active / retired / inactive) and restart links.
/// </summary>
internal sealed class NodesCommandFactory : ICommandFactory
{
    private const ulong PageSize = 100;

    public Command Create(CliContext context)
    {
        var nodes = new Command("nodes", "Read the nodes registered in a NodeRegistry.");
        var list = new Command("list", "List registered nodes (all, or only active ones with --active).");
        var rpc = RegistryCliSupport.RpcOption();
        var registry = RegistryCliSupport.RegistryOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table." };
        var activeOnly = new Option<bool>("--active") { Description = "Only active nodes." };
        var timeout = RegistryCliSupport.TimeoutOption();
        list.Options.Add(rpc);
        list.Options.Add(registry);
        list.Options.Add(json);
        list.Options.Add(activeOnly);
        list.Options.Add(timeout);
        list.SetAction(async (parse, cancellationToken) =>
        {
            var address = RegistryCliSupport.ParseAddress(parse.GetValue(registry)!, "--registry");
            using var http = ChainClientFactory.CreateStandalone();
            var client = RegistryCliSupport.CreateRpc(parse.GetValue(rpc)!, http);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(parse.GetValue(timeout));
            List<NodeInfo> found = [];
            try
            {
                var chainId = await client.ChainIdAsync(cts.Token);
                var reader = ChainClientFactory.CreateRegistry(client, address, chainId);
                var count = await reader.NodeCountAsync(cts.Token);
                for (ulong offset = 0; offset < count; offset += PageSize)
                {
                    var page = await reader.ListNodesAsync(offset, PageSize, cts.Token);
                    found.AddRange(await reader.GetNodesAsync(page, cts.Token));
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {parse.GetValue(timeout)}");
            }
            catch (ChainException ex)
            {
                throw RegistryCliSupport.ToCliException(ex);
            }

            if (parse.GetValue(activeOnly))
            {
                found = [.. found.Where(n => n.Active)];
            }

            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(new JsonArray([.. found.Select(ToJson)]).ToJsonString());
            }
            else
            {
                await context.Out.WriteLineAsync($"{found.Count} node(s)");
                foreach (var n in found)
                {
                    var links = (n.Predecessor.IsZero ? "" : $"  predecessor={n.Predecessor}") + (n.Successor.IsZero ? "" : $"  successor={n.Successor}");
                    await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{n.Node}  {Status(n),-8}  tee={TeeName(n.TeeType)}  batches={n.BatchCount}  lastHeartbeat={n.LastHeartbeat}  operator={n.Operator}  {n.Endpoint}{links}"));
                }
            }

            return CliApplication.ExitOk;
        });
        nodes.Subcommands.Add(list);
        return nodes;
    }

    /// <summary>The name of a registry TEE type (proto TeeType): <c>tdx</c>, <c>emulated-tdx</c>, <c>unspecified</c>, else <c>unknown(N)</c>.</summary>
    internal static string TeeName(byte teeType) => teeType switch
    {
        0 => "unspecified",
        1 => "tdx",
        2 => "emulated-tdx",
        _ => string.Create(CultureInfo.InvariantCulture, $"unknown({teeType})"),
    };

    /// <summary><c>active</c>, <c>retired</c> (left for good or replaced by a successor) or <c>inactive</c> (deregistered; may register again).</summary>
    internal static string Status(NodeInfo n) => n.Active ? "active" : n.Retired ? "retired" : "inactive";

    internal static JsonObject ToJson(NodeInfo n) => new()
    {
        ["node"] = n.Node.ToChecksumString(),
        ["operator"] = n.Operator.ToChecksumString(),
        ["active"] = n.Active,
        ["status"] = Status(n),
        ["retired"] = n.Retired,
        ["retiredAt"] = n.RetiredAt,
        ["predecessor"] = n.Predecessor.IsZero ? null : n.Predecessor.ToChecksumString(),
        ["successor"] = n.Successor.IsZero ? null : n.Successor.ToChecksumString(),
        ["endpoint"] = n.Endpoint,
        ["teeType"] = n.TeeType,
        ["tee"] = TeeName(n.TeeType),
        ["epoch"] = n.Epoch,
        ["registeredAt"] = n.RegisteredAt,
        ["lastHeartbeat"] = n.LastHeartbeat,
        ["heartbeatBlock"] = n.HeartbeatBlock,
        ["batchCount"] = n.BatchCount,
        ["hpkePublicKey"] = n.HpkePublicKey.ToString(),
        ["quoteHash"] = n.QuoteHash.ToString(),
        ["mrtdHash"] = n.MrtdHash.ToString(),
        ["rtmrDigest"] = n.RtmrDigest.ToString(),
        ["reportDataHash"] = n.ReportDataHash.ToString(),
        ["attestationDigest"] = n.AttestationDigest.ToString(),
    };
}
