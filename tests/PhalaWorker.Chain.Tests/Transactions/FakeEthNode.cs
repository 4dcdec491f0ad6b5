using Transaction1559 = Nethereum.Model.Transaction1559;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.JsonRpc;

namespace PhalaWorker.Chain.Tests.Transactions;

/// <summary>
/// A node faked at the HTTP edge for what anvil does not do: it keeps every broadcast transaction in its pool and
/// mines only the <see cref="MineOnAttempt"/>-th broadcast (1-based), so the sender must replace a stuck transaction.
/// </summary>
internal sealed class FakeEthNode
{
    private readonly object _gate = new();
    private readonly List<SignedTransaction> _received = [];

    public ulong ChainId { get; init; } = 31337;

    public ulong BaseFee { get; init; } = 1_000_000_000;

    public ulong Tip { get; init; } = 100_000_000;

    /// <summary>Which broadcast gets mined (0 = none).</summary>
    public int MineOnAttempt { get; init; }

    /// <summary>The first broadcast is taken into the pool but answered with garbage (a broken proxy).</summary>
    public bool GarbleFirstBroadcast { get; init; }

    /// <summary>Receipt polls answered with HTTP 503 before the node "comes back".</summary>
    public int UnavailableReceiptPolls { get; init; }

    private int _broadcasts;
    private int _receiptPolls;

    public IReadOnlyList<SignedTransaction> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    public static readonly Hash32 BlockHash = Keccak256.HashUtf8("block 16");

    public FakeRpcHandler CreateHandler() => new(r => Task.FromResult(Answer(r)));

    private FakeRpcResponse Answer(FakeRpcRequest request)
    {
        var p = request.Params ?? [];
        if (request.Method == "eth_getTransactionReceipt" && Interlocked.Increment(ref _receiptPolls) <= UnavailableReceiptPolls)
        {
            return new FakeRpcResponse("unavailable", System.Net.HttpStatusCode.ServiceUnavailable);
        }

        if (request.Method == "eth_sendRawTransaction" && GarbleFirstBroadcast && Interlocked.Increment(ref _broadcasts) == 1)
        {
            Receive((string)p[0]!);
            return new FakeRpcResponse("<html>proxy error</html>");
        }

        JsonNode? result = request.Method switch
        {
            "eth_chainId" => HexQuantity.Format(ChainId),
            "eth_blockNumber" => "0x10",
            "eth_estimateGas" => "0x5208",
            "eth_getTransactionCount" => "0x0",
            "eth_feeHistory" => new JsonObject
            {
                ["oldestBlock"] = "0xc",
                ["baseFeePerGas"] = new JsonArray(HexQuantity.Format(BaseFee), HexQuantity.Format(BaseFee)),
                ["gasUsedRatio"] = new JsonArray(0.5),
                ["reward"] = new JsonArray(new JsonArray(HexQuantity.Format(Tip))),
            },
            "eth_sendRawTransaction" => Receive((string)p[0]!),
            "eth_getTransactionByHash" => Find((string)p[0]!) is { } tx ? TransactionJson(tx) : null,
            "eth_getTransactionReceipt" => Mined() is { } mined && mined.Hash.ToString() == (string)p[0]! ? ReceiptJson(mined) : null,
            "eth_getBlockByNumber" => new JsonObject
            {
                ["number"] = "0x10",
                ["hash"] = BlockHash.ToString(),
                ["parentHash"] = Keccak256.HashUtf8("block 15").ToString(),
                ["timestamp"] = "0x1",
                ["gasLimit"] = "0x1c9c380",
                ["gasUsed"] = "0x5208",
            },
            _ => throw new InvalidOperationException("unexpected " + request.Method),
        };
        return FakeRpcHandler.Result(request.Id, result);
    }

    private string Receive(string rawHex)
    {
        var tx = EthTransactions.Decode(Hex.Decode(rawHex));
        lock (_gate)
        {
            if (_received.All(r => r.Hash != tx.Hash))
            {
                _received.Add(tx);
            }
        }

        return tx.Hash.ToString();
    }

    private SignedTransaction? Find(string hash)
    {
        lock (_gate)
        {
            return _received.FirstOrDefault(r => r.Hash.ToString() == hash);
        }
    }

    private SignedTransaction? Mined()
    {
        lock (_gate)
        {
            return MineOnAttempt > 0 && _received.Count >= MineOnAttempt ? _received[MineOnAttempt - 1] : null;
        }
    }

    private static Transaction1559 Eip1559(SignedTransaction tx) => (Transaction1559)tx.Transaction;

    private static string? To(SignedTransaction tx) => Eip1559(tx).ReceiverAddress is { Length: > 2 } to ? to.ToLowerInvariant() : null;

    private static JsonObject TransactionJson(SignedTransaction tx) => new()
    {
        ["hash"] = tx.Hash.ToString(),
        ["nonce"] = HexQuantity.Format((ulong)Eip1559(tx).Nonce!.Value),
        ["from"] = tx.From.ToLowerHexString(),
        ["to"] = To(tx),
        ["value"] = "0x0",
        ["input"] = Eip1559(tx).Data is { Length: > 0 } data ? data : "0x",
        ["gas"] = HexQuantity.Format((ulong)Eip1559(tx).GasLimit!.Value),
        ["type"] = "0x2",
    };

    private static JsonObject ReceiptJson(SignedTransaction tx) => new()
    {
        ["transactionHash"] = tx.Hash.ToString(),
        ["blockHash"] = BlockHash.ToString(),
        ["blockNumber"] = "0x10",
        ["transactionIndex"] = "0x0",
        ["from"] = tx.From.ToLowerHexString(),
        ["to"] = To(tx),
        ["gasUsed"] = "0x5208",
        ["cumulativeGasUsed"] = "0x5208",
        ["effectiveGasPrice"] = "0x3b9aca00",
        ["contractAddress"] = null,
        ["logs"] = new JsonArray(),
        ["status"] = "0x1",
    };
}
