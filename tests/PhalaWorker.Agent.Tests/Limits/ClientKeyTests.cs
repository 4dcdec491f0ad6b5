using System.Net;
using PhalaWorker.Agent.Limits;

namespace PhalaWorker.Agent.Tests.Limits;

public sealed class ClientKeyTests
{
    [Test]
    public void Of_Ipv4_IsTheAddress() =>
        Assert.That(ClientKey.Of(IPAddress.Parse("203.0.113.7"), 64), Is.EqualTo("203.0.113.7"));

    [Test]
    public void Of_Ipv4MappedIpv6_IsTheIpv4Address() =>
        Assert.That(ClientKey.Of(IPAddress.Parse("::ffff:203.0.113.7"), 64), Is.EqualTo("203.0.113.7"));

    [Test]
    public void Of_Ipv6SameSlash64_SameClient()
    {
        var a = ClientKey.Of(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64);
        var b = ClientKey.Of(IPAddress.Parse("2001:db8:1:2::1"), 64);

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.EqualTo("2001:db8:1:2::/64"));
    }

    [Test]
    public void Of_Ipv6OtherSlash64_OtherClient() =>
        Assert.That(ClientKey.Of(IPAddress.Parse("2001:db8:1:3::1"), 64), Is.Not.EqualTo(ClientKey.Of(IPAddress.Parse("2001:db8:1:2::1"), 64)));

    [Test]
    public void Of_Ipv6PrefixNotOnByteBoundary_MasksBits()
    {
        // /60 keeps the top 4 bits of the fourth group: 2001:db8:1:2f:: and 2001:db8:1:20:: share it.
        Assert.That(ClientKey.Of(IPAddress.Parse("2001:db8:1:2f::9"), 60), Is.EqualTo("2001:db8:1:20::/60"));
        Assert.That(ClientKey.Of(IPAddress.Parse("2001:db8:1:2f::9"), 128), Is.EqualTo("2001:db8:1:2f::9/128"));
    }

    [Test]
    public void Of_NoAddress_IsUnknown() => Assert.That(ClientKey.Of(null, 64), Is.EqualTo(ClientKey.Unknown));
}
