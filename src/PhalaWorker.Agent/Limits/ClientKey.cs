using System.Net;
using System.Net.Sockets;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// Who a caller is, for the per-client limits: its TCP peer address. An IPv4 address (or an IPv4-mapped IPv6 one) is one
/// client; an IPv6 address counts by its first <see cref="LimitsOptions.Ipv6PrefixLength"/> bits, so that a host holding a /64
/// cannot pose as 2^64 clients. Behind a proxy every client shares the proxy's address; forwarded headers are not trusted
/// (anyone can write them).
/// </summary>
internal static class ClientKey
{
    /// <summary>The partition of callers without a peer address (in-process test servers, Unix sockets).</summary>
    public const string Unknown = "unknown";

    public static string Of(IPAddress? address, int ipv6PrefixLength)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var prefix = Math.Clamp(ipv6PrefixLength, 1, 128);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = prefix; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes).ToString() + "/" + prefix.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
