using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>Decodes the standard revert payloads <c>Error(string)</c> and <c>Panic(uint256)</c>.</summary>
public static class RevertDecoder
{
    /// <summary>Selector of <c>Error(string)</c>.</summary>
    public const uint ErrorSelector = 0x08c379a0;

    /// <summary>Selector of <c>Panic(uint256)</c>.</summary>
    public const uint PanicSelector = 0x4e487b71;

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

    /// <summary>Human-readable form of revert data.</summary>
    public static string Describe(ReadOnlySpan<byte> revertData)
    {
        if (revertData.Length < 4)
        {
            return revertData.IsEmpty ? "reverted without data" : "reverted with malformed data " + Hex.Encode(revertData);
        }

        var selector = BinaryPrimitives.ReadUInt32BigEndian(revertData);
        if (selector == ErrorSelector && TryDecodeErrorString(revertData, out var message))
        {
            return message;
        }

        if (selector == PanicSelector && revertData.Length == 36)
        {
            var code = BinaryPrimitives.ReadUInt64BigEndian(revertData[28..]);
            return "Panic(0x" + code.ToString("x2", CultureInfo.InvariantCulture) + ")";
        }

        return "custom error 0x" + selector.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes the message of <c>Error(string)</c> revert data.</summary>
    public static bool TryDecodeErrorString(ReadOnlySpan<byte> revertData, out string message)
    {
        message = string.Empty;
        if (revertData.Length < 4 + 64 || BinaryPrimitives.ReadUInt32BigEndian(revertData) != ErrorSelector)
        {
            return false;
        }

        var body = revertData[4..];
        if (!TryReadWordAsInt(body[..32], out var offset) || offset > body.Length - 32)
        {
            return false;
        }

        if (!TryReadWordAsInt(body.Slice(offset, 32), out var length) || length > body.Length - offset - 32)
        {
            return false;
        }

        try
        {
            message = new UTF8Encoding(false, true).GetString(body.Slice(offset + 32, length));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool TryReadWordAsInt(ReadOnlySpan<byte> word, out int value)
    {
        value = 0;
        if (word[..28].IndexOfAnyExcept((byte)0) >= 0)
        {
            return false;
        }

        var v = BinaryPrimitives.ReadUInt32BigEndian(word[28..]);
        if (v > int.MaxValue)
        {
            return false;
        }

        value = (int)v;
        return true;
    }
}
