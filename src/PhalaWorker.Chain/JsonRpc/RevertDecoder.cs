using System.Buffers.Binary;
using System.Globalization;
using PhalaWorker.Chain.Primitives;
using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>Extracts revert data from JSON-RPC errors and describes it (standard errors and, when given, custom ones).</summary>
public static class RevertDecoder
{
    /// <summary>The revert data in a JSON-RPC error's <c>data</c> when it is a 0x-hex string, else null.</summary>
    public static byte[]? TryGetRevertData(string? data)
    {
        if (data is null || data.Length < 2 || !Hex.HasPrefix(data) || data.Length % 2 != 0)
        {
            return null;
        }

        try
        {
            return Hex.Decode(data);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Human-readable revert: the message of <c>Error(string)</c>, <c>panic 0x..</c> for <c>Panic(uint256)</c> (both
    /// decoded by Nethereum's ABI decoder), else <c>custom error 0x12345678</c> (contract bindings name their own errors).
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> revertData)
    {
        if (revertData.Length < 4)
        {
            return revertData.IsEmpty ? "reverted without data" : "reverted with malformed data " + Hex.Encode(revertData);
        }

        var selector = BinaryPrimitives.ReadUInt32BigEndian(revertData);
        try
        {
            switch (selector)
            {
                case ErrorStringSelector:
                    return (string)new ParameterDecoder().DecodeDefaultData(revertData[4..].ToArray(), new Parameter("string", 1))[0].Result;
                case PanicSelector:
                    var code = (BigInteger)new ParameterDecoder().DecodeDefaultData(revertData[4..].ToArray(), new Parameter("uint256", 1))[0].Result;
                    return "panic 0x" + code.ToString("x2", CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return "reverted with malformed data " + Hex.Encode(revertData);
        }

        return "custom error 0x" + selector.ToString("x8", CultureInfo.InvariantCulture);
    }

    // keccak256("Error(string)")[..4] and keccak256("Panic(uint256)")[..4].
    private const uint ErrorStringSelector = 0x08c379a0;
    private const uint PanicSelector = 0x4e487b71;
}
