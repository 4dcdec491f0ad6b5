using System.Numerics;
using Nethereum.Hex.HexTypes;
using PhalaWorker.Chain.Primitives;
using Dto = Nethereum.RPC.Eth.DTOs;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Our request types to Nethereum's DTOs, and Nethereum's answers to our result types. Quantities arrive already
/// checked (0x-hex, at most 256 bits: <see cref="StrictHexBigIntegerConverter"/>); here the 64-bit ones are range
/// checked, hashes, addresses and data parsed strictly, and required members enforced, so a malformed answer is a
/// <see cref="JsonRpcErrorKind.MalformedResponse"/>, never a zero or a null the caller did not expect.
/// </summary>
public sealed partial class EthJsonRpcClient
{
    private static readonly BigInteger s_maxQuantity = BigInteger.Pow(2, 256) - 1;

    // ------------------------------------------------------------------ requests

    private static Dto.BlockParameter ToBlockParameter(BlockTag tag)
    {
        if (tag.IsNumber)
        {
            return new Dto.BlockParameter(tag.Number);
        }

        var parameter = new Dto.BlockParameter();
        parameter.SetValue(tag.ToString() switch
        {
            "latest" => Dto.BlockParameter.BlockParameterType.latest,
            "pending" => Dto.BlockParameter.BlockParameterType.pending,
            "earliest" => Dto.BlockParameter.BlockParameterType.earliest,
            "safe" => Dto.BlockParameter.BlockParameterType.safe,
            "finalized" => Dto.BlockParameter.BlockParameterType.finalized,
            var other => throw new ArgumentOutOfRangeException(nameof(tag), other, "Unknown block tag."),
        });
        return parameter;
    }

    private static Dto.CallInput ToCallInput(CallRequest call) => new()
    {
        From = call.From?.ToLowerHexString(),
        To = call.To?.ToLowerHexString(),
        Data = call.Data is null ? null : Hex.Encode(call.Data),
        Value = call.Value is { } value ? new HexBigInteger(value) : null,
        Gas = call.Gas is { } gas ? new HexBigInteger(gas) : null,
    };

    private static Dto.NewFilterInput ToFilterInput(LogFilter filter) => new()
    {
        FromBlock = ToBlockParameter(filter.FromBlock),
        ToBlock = ToBlockParameter(filter.ToBlock),
        Address = filter.Address is { } address ? [address.ToLowerHexString()] : null,
        Topics = filter.Topics?.Select(t => (object?)t?.ToString()).ToArray(),
    };

    // ------------------------------------------------------------------ answers

    private static JsonRpcException Malformed(string method, string message) =>
        new(JsonRpcErrorKind.MalformedResponse, method, message);

    private static BigInteger ToQuantity(string method, HexBigInteger? value, string what = "result") =>
        value?.Value is { } v && v.Sign >= 0 && v <= s_maxQuantity
            ? v
            : throw Malformed(method, $"the {what} is missing or not a 256-bit quantity");

    private static ulong ToUInt64(string method, HexBigInteger? value, string what = "result") =>
        value?.Value is { } v && v.Sign >= 0 && v <= ulong.MaxValue
            ? (ulong)v
            : throw Malformed(method, $"the {what} is missing or not a 64-bit quantity");

    private static ulong? ToOptionalUInt64(string method, HexBigInteger? value, string what) =>
        value is null ? null : ToUInt64(method, value, what);

    private static BigInteger? ToOptionalQuantity(string method, HexBigInteger? value, string what) =>
        value is null ? null : ToQuantity(method, value, what);

    private static Hash32 ToHash(string method, string? value, string what = "result") =>
        value is not null && Hash32.TryParse(value, null, out var hash)
            ? hash
            : throw Malformed(method, $"the {what} is missing or not a 32-byte hash");

    private static Hash32? ToOptionalHash(string method, string? value, string what) =>
        value is null ? null : ToHash(method, value, what);

    private static EthAddress ToAddress(string method, string? value, string what)
    {
        Span<byte> bytes = stackalloc byte[EthAddress.Size];
        // Nodes answer in lower case: no checksum to check.
        return value is { Length: 42 } && Hex.HasPrefix(value) && Hex.TryDecode(value, bytes, out var written) && written == EthAddress.Size
            ? new EthAddress(bytes)
            : throw Malformed(method, $"the {what} is missing or not a 20-byte address");
    }

    private static EthAddress? ToOptionalAddress(string method, string? value, string what) =>
        value is null ? null : ToAddress(method, value, what);

    private static byte[] ToBytes(string method, string? value, string what = "result")
    {
        if (value is null || !Hex.HasPrefix(value))
        {
            throw Malformed(method, $"the {what} is missing or not 0x-hex data");
        }

        try
        {
            return Hex.Decode(value);
        }
        catch (FormatException ex)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, method, $"the {what} is not 0x-hex data", innerException: ex);
        }
    }

    private static TransactionReceipt MapReceipt(string method, Dto.TransactionReceipt receipt) => new(
        ToHash(method, receipt.TransactionHash, "transactionHash"),
        ToHash(method, receipt.BlockHash, "blockHash"),
        ToUInt64(method, receipt.BlockNumber, "blockNumber"),
        ToUInt64(method, receipt.TransactionIndex, "transactionIndex"),
        ToAddress(method, receipt.From, "from"),
        ToOptionalAddress(method, receipt.To, "to"),
        ToUInt64(method, receipt.GasUsed, "gasUsed"),
        ToUInt64(method, receipt.CumulativeGasUsed, "cumulativeGasUsed"),
        ToQuantity(method, receipt.EffectiveGasPrice, "effectiveGasPrice"),
        ToOptionalAddress(method, receipt.ContractAddress, "contractAddress"),
        receipt.Logs is { } logs ? Array.ConvertAll(logs, log => MapLog(method, log)) : throw Malformed(method, "the receipt has no logs"),
        ToUInt64(method, receipt.Status, "status"));

    private static LogEntry MapLog(string method, Dto.FilterLog? log)
    {
        if (log is null)
        {
            throw Malformed(method, "a log is null");
        }

        var topics = log.Topics is { } raw
            ? Array.ConvertAll(raw, t => ToHash(method, t as string, "log topic"))
            : throw Malformed(method, "a log has no topics");
        return new LogEntry(
            ToAddress(method, log.Address, "log address"),
            topics,
            ToBytes(method, log.Data, "log data"),
            ToOptionalUInt64(method, log.BlockNumber, "log blockNumber"),
            ToOptionalHash(method, log.BlockHash, "log blockHash"),
            ToOptionalHash(method, log.TransactionHash, "log transactionHash"),
            ToOptionalUInt64(method, log.LogIndex, "logIndex"),
            log.Removed);
    }

    private static BlockHeader MapBlock(string method, Dto.Block block) => new(
        ToUInt64(method, block.Number, "number"),
        ToHash(method, block.BlockHash, "hash"),
        ToHash(method, block.ParentHash, "parentHash"),
        ToUInt64(method, block.Timestamp, "timestamp"),
        ToUInt64(method, block.GasLimit, "gasLimit"),
        ToUInt64(method, block.GasUsed, "gasUsed"),
        ToOptionalQuantity(method, block.BaseFeePerGas, "baseFeePerGas"));

    private static TransactionInfo MapTransaction(string method, Dto.Transaction tx) => new(
        ToHash(method, tx.TransactionHash, "hash"),
        ToUInt64(method, tx.Nonce, "nonce"),
        ToAddress(method, tx.From, "from"),
        ToOptionalAddress(method, tx.To, "to"),
        ToQuantity(method, tx.Value, "value"),
        ToBytes(method, tx.Input, "input"),
        ToUInt64(method, tx.Gas, "gas"),
        ToOptionalQuantity(method, tx.GasPrice, "gasPrice"),
        ToOptionalQuantity(method, tx.MaxFeePerGas, "maxFeePerGas"),
        ToOptionalQuantity(method, tx.MaxPriorityFeePerGas, "maxPriorityFeePerGas"),
        ToOptionalHash(method, tx.BlockHash, "blockHash"),
        ToOptionalUInt64(method, tx.BlockNumber, "blockNumber"),
        ToOptionalUInt64(method, tx.Type, "type") ?? 0);

    private static FeeHistory MapFeeHistory(string method, Dto.FeeHistoryResult? history)
    {
        if (history is null)
        {
            throw Malformed(method, "the result is null");
        }

        var baseFees = history.BaseFeePerGas is { } fees
            ? Array.ConvertAll(fees, f => ToQuantity(method, f, "baseFeePerGas"))
            : throw Malformed(method, "the fee history has no baseFeePerGas");
        var ratios = history.GasUsedRatio is { } r
            ? Array.ConvertAll(r, v => (double)v)
            : throw Malformed(method, "the fee history has no gasUsedRatio");
        var rewards = history.Reward?.Select(row => (IReadOnlyList<BigInteger>)(row is null
            ? throw Malformed(method, "a reward row is null")
            : Array.ConvertAll(row, v => ToQuantity(method, v, "reward")))).ToArray();
        return new FeeHistory(ToUInt64(method, history.OldestBlock, "oldestBlock"), baseFees, ratios, rewards);
    }
}
