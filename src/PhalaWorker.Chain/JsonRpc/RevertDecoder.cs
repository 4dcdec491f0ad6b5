using System.Buffers.Binary;
using System.Globalization;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

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
    /// Human-readable revert: the message of <c>Error(string)</c>, <c>panic 0x..</c>, <c>Name(args)</c> for a known
    /// custom error, else <c>custom error 0x12345678</c>.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> revertData, IEnumerable<AbiError>? customErrors = null)
    {
        if (AbiError.TryDescribeRevert(revertData, customErrors, out var description))
        {
            return description;
        }

        if (revertData.Length < 4)
        {
            return revertData.IsEmpty ? "reverted without data" : "reverted with malformed data " + Hex.Encode(revertData);
        }

        return "custom error 0x" + BinaryPrimitives.ReadUInt32BigEndian(revertData).ToString("x8", CultureInfo.InvariantCulture);
    }
}
