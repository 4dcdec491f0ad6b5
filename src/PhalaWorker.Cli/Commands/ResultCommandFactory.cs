using System.CommandLine;
using System.Text.Json.Nodes;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Receipts;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker result verify --rpc URL --registry ADDR --receipt FILE --proof FILE</c>: checks a receipt's signature (by
/// the proof's node, or a registered predecessor of it after a restart), its Merkle inclusion off-chain against the root
/// posted on-chain, and the contract's own <c>verifyReceipt</c> (which recomputes the digest from the receipt's fields).
/// Exit 0 verified, 1 a check failed, 2 unusable input or unreachable node.
/// </summary>
internal sealed class ResultCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var result = new Command("result", "Fetch job results later and verify published ones.");
        var verify = new Command("verify", "Verify a receipt (eth_signTypedData_v4 JSON + signature) and its inclusion proof against the registry.");
        var rpc = RegistryCliSupport.RpcOption();
        var registry = RegistryCliSupport.RegistryOption();
        var receiptFile = new Option<FileInfo>("--receipt")
        {
            Description = "Receipt JSON ({domain, types, primaryType, message, signature}), or the --json output of submit / result fetch (its 'receipt' and 'proof').",
            Required = true,
        };
        var proofFile = new Option<FileInfo?>("--proof")
        {
            Description = "Inclusion proof JSON ({node, batchIndex, leaf, proof, root}; node = the node whose batch holds the receipt), or a submit --json output; default: the --receipt file's 'proof'.",
        };
        var timeout = RegistryCliSupport.TimeoutOption();
        verify.Options.Add(rpc);
        verify.Options.Add(registry);
        verify.Options.Add(receiptFile);
        verify.Options.Add(proofFile);
        verify.Options.Add(timeout);
        verify.SetAction(async (parse, cancellationToken) =>
        {
            var address = RegistryCliSupport.ParseAddress(parse.GetValue(registry)!, "--registry");
            var receipt = Read(parse.GetValue(receiptFile)!, "--receipt", "receipt", "domain", JobReceiptTypedData.ParseJson);
            var proof = Read(parse.GetValue(proofFile) ?? parse.GetValue(receiptFile)!, parse.GetValue(proofFile) is null ? "--receipt (its 'proof')" : "--proof", "proof", "leaf", ReceiptInclusionProof.Parse);
            using var http = ChainClientFactory.CreateStandalone();
            var client = RegistryCliSupport.CreateRpc(parse.GetValue(rpc)!, http);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(parse.GetValue(timeout));

            var checks = new JsonObject();
            var failures = new List<string>();
            void Check(string name, bool ok, string failure)
            {
                checks[name] = ok;
                if (!ok)
                {
                    failures.Add(failure);
                }
            }

            try
            {
                var chainId = await client.ChainIdAsync(cts.Token);
                Check("chainId", receipt.ChainId == chainId, $"the receipt is for chain {receipt.ChainId}, the node is on chain {chainId}");
                Check("registry", receipt.Registry == address, $"the receipt names registry {receipt.Registry}, not {address}");
                var digest = receipt.Digest;
                var signer = SafeRecover(receipt);
                var reader = ChainClientFactory.CreateRegistry(client, address, chainId);
                // proof.Node is the node whose batch holds the receipt: its signer, or after a restart a successor of it.
                var succeeds = signer is { } s && await IsSameOrSuccessorAsync(reader, s, proof.Node, cts.Token);
                Check("signature", succeeds, signer is null
                    ? "the receipt's signature does not recover (bad signature)"
                    : $"the receipt is signed by {signer}, which is neither batch node {proof.Node} nor a registered predecessor of it");
                Check("leaf", proof.Leaf == digest, $"the proof's leaf {proof.Leaf} is not the receipt digest {digest}");
                BatchInfo? batch = null;
                try
                {
                    batch = await reader.GetBatchAsync(proof.Node, proof.BatchIndex, cts.Token);
                }
                catch (NodeRegistryException ex) when (ex.Error == NodeRegistryError.BatchNotFound)
                {
                    failures.Add($"node {proof.Node} has no batch {proof.BatchIndex} in the registry");
                }

                Check("rootPosted", batch is not null && batch.Root == proof.Root, $"the proof's root {proof.Root} is not the posted root {batch?.Root}");
                Check("offChainInclusion", batch is not null && ReceiptMerkleTree.Verify(digest, proof.Proof, batch.Root), "the Merkle proof does not lead from the receipt digest to the posted root");
                var onChain = batch is not null && signer is { } recovered
                    && await reader.VerifyReceiptAsync(recovered, receipt.Receipt, receipt.Signature, proof.Node, proof.BatchIndex, proof.Proof, cts.Token);
                Check("onChainVerifyReceipt", onChain, "the registry's verifyReceipt (digest recomputed on chain from the receipt fields) returned false");
                checks["signer"] = signer?.ToChecksumString();
                checks["digest"] = digest.ToString();
                checks["node"] = proof.Node.ToChecksumString();
                checks["batchIndex"] = proof.BatchIndex;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {parse.GetValue(timeout)}");
            }
            catch (ChainException ex) when (ex is not NodeRegistryException)
            {
                throw RegistryCliSupport.ToCliException(ex);
            }

            checks["verified"] = failures.Count == 0;
            await context.Out.WriteLineAsync(checks.ToJsonString());
            if (failures.Count > 0)
            {
                throw new CliException("verification failed: " + string.Join("; ", failures), CliApplication.ExitRejected);
            }

            return CliApplication.ExitOk;
        });
        result.Subcommands.Add(verify);
        result.Subcommands.Add(ResultFetchCommand.Create(context));
        return result;
    }

    /// <summary>
    /// Reads a receipt or proof file: the bare document (it has <paramref name="ownMember"/>), or the <c>--json</c> output of
    /// <c>submit</c> / <c>result fetch</c>, whose <paramref name="member"/> holds it.
    /// </summary>
    private static T Read<T>(FileInfo file, string option, string member, string ownMember, Func<string, T> parse)
    {
        if (!file.Exists)
        {
            throw new CliException($"{option}: {file.FullName} does not exist.");
        }

        try
        {
            var text = File.ReadAllText(file.FullName);
            if (JsonNode.Parse(text) is JsonObject root && root[ownMember] is null && root.ContainsKey(member))
            {
                text = root[member] is JsonObject inner
                    ? inner.ToJsonString()
                    : throw new CliException($"{option}: {file.Name} has no '{member}' yet (the receipt's batch was not posted when it was written; 'result fetch' gets it later)");
            }

            return parse(text);
        }
        catch (Exception ex) when (ex is FormatException or ChainException or System.Text.Json.JsonException or ArgumentException)
        {
            throw new CliException($"{option}: {file.Name} is not valid: {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    /// <summary>Follows successor links from <paramref name="node"/> (at most 16, as the contract does).</summary>
    private static async Task<bool> IsSameOrSuccessorAsync(NodeRegistryClient reader, Chain.Primitives.EthAddress node, Chain.Primitives.EthAddress later, CancellationToken cancellationToken)
    {
        var current = node;
        for (var i = 0; i <= 16; i++)
        {
            if (current == later)
            {
                return true;
            }

            var info = await reader.GetNodeAsync(current, cancellationToken);
            if (info is null || info.Successor.IsZero)
            {
                return false;
            }

            current = info.Successor;
        }

        return false;
    }

    private static Chain.Primitives.EthAddress? SafeRecover(SignedJobReceipt receipt)
    {
        try
        {
            return receipt.RecoverSigner();
        }
        catch (ChainException)
        {
            return null;
        }
    }
}
