using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain.Tests;

public sealed class ChainServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddChain(configuration.GetSection(ChainOptions.SectionName)).BuildServiceProvider();
    }

    [Test]
    public void AddChain_ValidSection_ResolvesClientsWithBoundOptions()
    {
        using var services = Build(new()
        {
            ["Chain:RpcUrl"] = "http://127.0.0.1:8545",
            ["Chain:ChainId"] = "31337",
            ["Chain:RegistryAddress"] = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            ["Chain:Confirmations"] = "2",
            ["Chain:ReplaceAfter"] = "00:00:30",
        });

        var options = services.GetRequiredService<IOptions<ChainOptions>>().Value;
        var rpc = services.GetRequiredService<EthJsonRpcClient>();
        var registry = services.GetRequiredService<NodeRegistryClientFactory>().Create();

        Assert.That(options.Confirmations, Is.EqualTo(2));
        Assert.That(options.ToSenderOptions().ReplaceAfter, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(rpc.Endpoint, Is.EqualTo(new Uri("http://127.0.0.1:8545")));
        Assert.That(registry.ChainId, Is.EqualTo(31337));
        Assert.That(services.GetRequiredService<ITransactionStore>(), Is.InstanceOf<InMemoryTransactionStore>());
        Assert.That(services.GetRequiredService<TransactionSenderFactory>(), Is.Not.Null);
    }

    [Test]
    public void AddChain_OutOfRangeSettings_FailValidationNamingThem()
    {
        using var services = Build(new() { ["Chain:Confirmations"] = "0", ["Chain:RegistryAddress"] = "0x1234" });

        var ex = Assert.Throws<OptionsValidationException>(() => _ = services.GetRequiredService<IOptions<ChainOptions>>().Value);

        Assert.That(ex!.Message, Does.Contain("Confirmations").And.Contain("RegistryAddress"));
    }

    [TestCase(null)]
    [TestCase("")]
    public void AddChain_NoRpcUrl_IsDisabledAndRefusesAClient(string? rpcUrl)
    {
        using var services = Build(new() { ["Chain:RpcUrl"] = rpcUrl });

        var options = services.GetRequiredService<IOptions<ChainOptions>>().Value;
        var ex = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<EthJsonRpcClient>());

        Assert.That(options.Enabled, Is.False);
        Assert.That(ex!.Message, Does.Contain("Chain:RpcUrl"));
    }

    [Test]
    public void ToSenderOptions_ChainIdZero_TakesTheReportedIdOrRefuses()
    {
        var options = new ChainOptions { ChainId = 0, Confirmations = 3 };

        Assert.That(options.ToSenderOptions(8453).ChainId, Is.EqualTo(8453));
        Assert.That(options.ToSenderOptions(8453).Confirmations, Is.EqualTo(3));
        Assert.Throws<InvalidOperationException>(() => options.ToSenderOptions());
    }
}
