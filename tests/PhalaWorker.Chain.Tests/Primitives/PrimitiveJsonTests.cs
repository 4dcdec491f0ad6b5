using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

public class PrimitiveJsonTests
{
    private sealed record Holder(EthAddress Address, Hash32 Hash);

    [Test]
    public void Serialize_AddressAndHash_AsHexStrings()
    {
        var holder = new Holder(EthAddress.Parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), Keccak256.HashUtf8("x"));

        var json = System.Text.Json.JsonSerializer.Serialize(holder);
        var back = System.Text.Json.JsonSerializer.Deserialize<Holder>(json);

        Assert.Multiple(() =>
        {
            Assert.That(json, Does.Contain("\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\""));
            Assert.That(back, Is.EqualTo(holder));
        });
    }
}
