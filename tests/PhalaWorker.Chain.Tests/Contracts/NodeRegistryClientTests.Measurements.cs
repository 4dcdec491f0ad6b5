using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Contracts;

public sealed partial class NodeRegistryClientTests
{
    private static MeasurementProfileEntry Profile(string label, params (string Name, string Value)[] settings)
    {
        static byte[] M(string what) => [.. Keccak256.HashUtf8(what).ToArray(), .. Keccak256.HashUtf8(what + "/2").ToArray()[..16]];
        return new MeasurementProfileEntry(
            "phala-worker " + label, M("mrtd " + label), M("rtmr0 " + label), M("rtmr1"), M("rtmr2"), Keccak256.HashUtf8("agent " + label),
            settings.Length == 0 ? [new("Compute:Backend", "cpu"), new("Attestation:AllowEmulated", "false")] : settings.Select(s => new KeyValuePair<string, string>(s.Name, s.Value)));
    }

    [Test]
    public async Task AllowMeasurementsAsync_ByOwner_ListsReadsAndRevokesWithEventsAsync()
    {
        var registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: Timeout());
        var first = Profile("1.0");
        var second = Profile("1.1", ("b", "2"), ("a", "1"), ("ab", "3"));

        var allowed = await registry.AllowMeasurementsAsync(first, cancellationToken: Timeout());
        await registry.AllowMeasurementsAsync(second, cancellationToken: Timeout());
        var onChainId = await registry.MeasurementProfileIdAsync(second, Timeout());
        var listed = await registry.GetAllowedMeasurementsAsync(cancellationToken: Timeout());
        var read = await registry.GetMeasurementsAsync(second.Id, Timeout());

        Assert.That(await registry.OwnerAsync(Timeout()), Is.EqualTo(_operator.Address));
        Assert.That(allowed.Event.ProfileId, Is.EqualTo(first.Id));
        Assert.That(allowed.Event.Name, Is.EqualTo("phala-worker 1.0"));
        Assert.That(onChainId, Is.EqualTo(second.Id), "off-chain id = on-chain id");
        Assert.That(listed.Select(p => p.Id), Is.EqualTo(new[] { first.Id, second.Id }));
        Assert.That(read.Name, Is.EqualTo(second.Name));
        Assert.That(read.MrTd, Is.EqualTo(second.MrTd));
        Assert.That(read.Rtmr0, Is.EqualTo(second.Rtmr0));
        Assert.That(read.Rtmr1, Is.EqualTo(second.Rtmr1));
        Assert.That(read.Rtmr2, Is.EqualTo(second.Rtmr2));
        Assert.That(read.AgentDigest, Is.EqualTo(second.AgentDigest));
        Assert.That(read.Settings.Select(s => s.Key), Is.EqualTo(new[] { "a", "ab", "b" }));
        Assert.That(read.Settings.Select(s => s.Value), Is.EqualTo(new[] { "1", "3", "2" }));

        var revoked = await registry.RevokeMeasurementsAsync(first.Id, cancellationToken: Timeout());
        var after = await registry.GetAllowedMeasurementsAsync(cancellationToken: Timeout());
        var gone = Assert.ThrowsAsync<NodeRegistryException>(() => registry.GetMeasurementsAsync(first.Id, Timeout()));
        var twice = Assert.ThrowsAsync<NodeRegistryException>(() => registry.RevokeMeasurementsAsync(first.Id, cancellationToken: Timeout()));

        Assert.That(revoked.Event.ProfileId, Is.EqualTo(first.Id));
        Assert.That(after.Select(p => p.Id), Is.EqualTo(new[] { second.Id }));
        Assert.That(await registry.IsMeasurementAllowedAsync(first.Id, Timeout()), Is.False);
        Assert.That(await registry.IsMeasurementAllowedAsync(second.Id, Timeout()), Is.True);
        Assert.That(gone!.Error, Is.EqualTo(NodeRegistryError.MeasurementsNotAllowed));
        Assert.That(twice!.Error, Is.EqualTo(NodeRegistryError.MeasurementsNotAllowed));
    }

    [Test]
    public async Task AllowMeasurementsAsync_SameProfileTwice_ThrowsMeasurementsAlreadyAllowedAsync()
    {
        var profile = Profile("twice");
        await _registry.AllowMeasurementsAsync(profile, cancellationToken: Timeout());

        var ex = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.AllowMeasurementsAsync(profile, cancellationToken: Timeout()));

        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.MeasurementsAlreadyAllowed));
    }

    [Test]
    public async Task AllowAndRevokeMeasurementsAsync_NotOwner_ThrowsNotOwnerAsync()
    {
        var profile = Profile("owner only");
        await _registry.AllowMeasurementsAsync(profile, cancellationToken: Timeout());
        using var strangerKey = _env.Signer(6);
        using var strangerSender = _env.Sender(strangerKey);
        var asStranger = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, strangerSender);

        var allow = Assert.ThrowsAsync<NodeRegistryException>(() => asStranger.AllowMeasurementsAsync(Profile("stranger"), cancellationToken: Timeout()));
        var revoke = Assert.ThrowsAsync<NodeRegistryException>(() => asStranger.RevokeMeasurementsAsync(profile.Id, cancellationToken: Timeout()));
        var transfer = Assert.ThrowsAsync<NodeRegistryException>(() => asStranger.TransferOwnershipAsync(strangerKey.Address, cancellationToken: Timeout()));

        Assert.That(allow!.Error, Is.EqualTo(NodeRegistryError.NotOwner));
        Assert.That(revoke!.Error, Is.EqualTo(NodeRegistryError.NotOwner));
        Assert.That(transfer!.Error, Is.EqualTo(NodeRegistryError.NotOwner));
        Assert.That(await _registry.IsMeasurementAllowedAsync(profile.Id, Timeout()), Is.True);
    }

    [Test]
    public async Task TransferOwnershipAsync_NewOwnerManagesTheListAsync()
    {
        var registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: Timeout());
        using var newOwner = _env.Signer(7);
        using var newOwnerSender = _env.Sender(newOwner);
        var asNewOwner = new NodeRegistryClient(_env.Rpc, registry.Address, _env.Anvil.ChainId, newOwnerSender);

        var transferred = await registry.TransferOwnershipAsync(newOwner.Address, cancellationToken: Timeout());
        await asNewOwner.AllowMeasurementsAsync(Profile("new owner"), cancellationToken: Timeout());
        var old = Assert.ThrowsAsync<NodeRegistryException>(() => registry.AllowMeasurementsAsync(Profile("old owner"), cancellationToken: Timeout()));

        Assert.That(transferred.Event.NewOwner, Is.EqualTo(newOwner.Address));
        Assert.That(await registry.MeasurementCountAsync(Timeout()), Is.EqualTo(1));
        Assert.That(old!.Error, Is.EqualTo(NodeRegistryError.NotOwner));
    }

    [TestCase("mrTd")]
    [TestCase("settingNames")]
    [TestCase("settingValues")]
    [TestCase("agentDigest")]
    public async Task MeasurementProfileId_MalformedTuple_RevertsNamingTheFieldAsync(string field)
    {
        // Sent as raw ABI, past the C# entry's own checks, to see the contract refuse it.
        var tuple = Profile("malformed").ToStruct();
        switch (field)
        {
            case "mrTd": tuple.MrTd = new byte[47]; break;
            case "settingNames": tuple.SettingNames = ["b", "a"]; tuple.SettingValues = ["1", "2"]; break;
            case "settingValues": tuple.SettingValues = ["only one"]; break;
            default: tuple.AgentDigest = new byte[32]; break;
        }

        var calldata = NodeRegistryCodec.Encode(new MeasurementProfileIdFunction { P = tuple });
        var ex = Assert.ThrowsAsync<JsonRpcException>(() => _env.Rpc.CallAsync(new CallRequest { To = _registry.Address, Data = calldata }, cancellationToken: Timeout()));
        var decoded = NodeRegistryClient.TryDecodeError(ex!.RevertData!);

        Assert.That(decoded!.Error, Is.EqualTo(NodeRegistryError.InvalidMeasurement));
        Assert.That(decoded.Arguments[0], Is.EqualTo(field));
    }

    [Test]
    public void MeasurementProfileEntry_BadLengthOrDuplicateSetting_ThrowsNamingTheField()
    {
        var ok = Profile("ok");

        var shortRtmr = Assert.Throws<ChainException>(() => _ = new MeasurementProfileEntry("x", ok.MrTd, ok.Rtmr0, new byte[48], new byte[32], ok.AgentDigest, []));
        var duplicate = Assert.Throws<ChainException>(() => _ = new MeasurementProfileEntry("x", ok.MrTd, ok.Rtmr0, ok.Rtmr1, ok.Rtmr2, ok.AgentDigest, [new("a", "1"), new("a", "2")]));

        Assert.That(shortRtmr!.Message, Does.Contain("'rtmr2'"));
        Assert.That(duplicate!.Message, Does.Contain("'settingNames'"));
    }
}
