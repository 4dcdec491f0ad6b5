using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Tests;

[TestFixture]
public sealed class CryptoServiceCollectionExtensionsTests
{
    [Test]
    public void AddCrypto_CalledTwice_ResolvesOneSingletonIdentity()
    {
        var services = new ServiceCollection().AddCrypto().AddCrypto();
        using ServiceProvider provider = services.BuildServiceProvider();

        NodeIdentity first = provider.GetRequiredService<NodeIdentity>();
        NodeIdentity second = provider.GetRequiredService<NodeIdentity>();

        Assert.That(services.Count(d => d.ServiceType == typeof(NodeIdentity)), Is.EqualTo(1));
        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public void AddCrypto_ProviderDisposed_WipesIdentity()
    {
        NodeIdentity identity;
        using (ServiceProvider provider = new ServiceCollection().AddCrypto().BuildServiceProvider())
        {
            identity = provider.GetRequiredService<NodeIdentity>();
        }

        Assert.Throws<ObjectDisposedException>(() => identity.GetSigningKey());
    }

    [Test]
    public void AddCrypto_IdentityRegisteredEarlier_KeepsIt()
    {
        using NodeIdentity existing = NodeIdentity.Generate();
        var services = new ServiceCollection().AddSingleton(existing).AddCrypto();
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<NodeIdentity>(), Is.SameAs(existing));
    }
}
