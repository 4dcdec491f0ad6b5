using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Merkle;

/// <summary>
/// What a submitter needs to check that a receipt was published: the node whose batch holds it (the receipt's signer, or
/// after a restart a registered successor of it), the batch index in the registry, the receipt's EIP-712 digest (its
/// Merkle leaf is keccak256(0x00 ‖ digest), see <see cref="ReceiptMerkleTree"/>), the sibling hashes and the batch root. JSON:
/// <c>{"node":"0x…","batchIndex":3,"leaf":"0x…","proof":["0x…",…],"root":"0x…"}</c>.
/// </summary>
public sealed record ReceiptInclusionProof(EthAddress Node, ulong BatchIndex, Hash32 Leaf, IReadOnlyList<Hash32> Proof, Hash32 Root)
{
    /// <summary>Whether the proof folds <see cref="Leaf"/> into <see cref="Root"/>.</summary>
    public bool Verify() => ReceiptMerkleTree.Verify(Leaf, Proof, Root);

    public string ToJson() => new JsonObject
    {
        ["node"] = Node.ToChecksumString(),
        ["batchIndex"] = BatchIndex,
        ["leaf"] = Leaf.ToString(),
        ["proof"] = new JsonArray([.. Proof.Select(p => (JsonNode)p.ToString())]),
        ["root"] = Root.ToString(),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <exception cref="FormatException">Not a proof document.</exception>
    public static ReceiptInclusionProof Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A proof is a JSON object.");
            return new ReceiptInclusionProof(
                EthAddress.Parse(Required(root, "node").GetValue<string>()),
                Required(root, "batchIndex").GetValue<ulong>(),
                Hash32.Parse(Required(root, "leaf").GetValue<string>()),
                [.. (Required(root, "proof") as JsonArray ?? throw new FormatException("'proof' is an array of hashes."))
                    .Select(p => Hash32.Parse(p?.GetValue<string>() ?? throw new FormatException("null proof element")))],
                Hash32.Parse(Required(root, "root").GetValue<string>()));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException("Malformed receipt proof: " + ex.Message, ex);
        }
    }

    private static JsonNode Required(JsonObject root, string name) =>
        root[name] ?? throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"The proof has no '{name}'."));

    /// <summary>The proof of leaf <paramref name="index"/> of <paramref name="tree"/>, posted as batch <paramref name="batchIndex"/> of <paramref name="node"/>.</summary>
    public static ReceiptInclusionProof FromTree(ReceiptMerkleTree tree, int index, EthAddress node, ulong batchIndex)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return new ReceiptInclusionProof(node, batchIndex, tree.Leaves[index], tree.GetProof(index), tree.Root);
    }
}
