using System.Security.Cryptography;
using Google.Protobuf;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The client's default measurement policy against the in-process agent: a node is accepted only when its MRTD/RTMR0–2 and
/// replayed RTMR3 log match an accepted profile; the refusal names what differs. Also: keys only the TD knows.
/// </summary>
public sealed class MeasurementPolicyTests() : InProcessAgentTests("measurement-policy", verifyNode: false)
{
    [Test]
    public async Task Verify_ReferenceProfile_AcceptedWithThatProfileAsync()
    {
        var node = await new NodeVerifier(Client, Factory.VerifierOptions()).VerifyAsync().DefaultTimeout();

        Assert.That(node.AcceptedProfile!.Name, Is.EqualTo("in-process test agent"));
        Assert.That(node.MeasurementTrustedWithoutProfile, Is.False);
        Assert.That(node.Agent!.Digest, Is.EqualTo(AgentDigest.Compute(AppContext.BaseDirectory)));
        Assert.That(node.Agent.Settings[MeasuredSettings.Tee], Is.EqualTo("emulated"));
        Assert.That(node.Agent.Settings.Keys, Is.EquivalentTo(MeasuredSettings.Names), "every measured setting is its own event");
    }

    [Test]
    public void Verify_NoProfileAccepted_RefusedByDefault()
    {
        var verifier = new NodeVerifier(Client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false });

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => verifier.VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain("no measurement profile is accepted"));
    }

    [Test]
    public async Task Verify_TrustAnyMeasurement_AcceptedWithoutProfileAsync()
    {
        var options = new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, TrustAnyMeasurement = true };

        var node = await new NodeVerifier(Client, options).VerifyAsync().DefaultTimeout();

        Assert.That(node.AcceptedProfile, Is.Null);
        Assert.That(node.MeasurementTrustedWithoutProfile, Is.True);
    }

    [Test]
    public async Task Verify_ProfileSource_RefusedUntilListedThenRefusedOnceRemovedAsync()
    {
        var source = new ListProfileSource();
        var verifier = new NodeVerifier(Client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false }, measurements: source);
        var other = Factory.Profile("other build") with { MrTd = SHA384.HashData("another image"u8) };
        source.Profiles = [other];

        var notListed = Assert.ThrowsAsync<WorkerClientException>(() => verifier.VerifyAsync().DefaultTimeout());
        source.Profiles = [other, Factory.Profile("listed")];
        var listed = await verifier.VerifyAsync().DefaultTimeout();
        source.Profiles = [other];
        var removed = Assert.ThrowsAsync<WorkerClientException>(() => verifier.VerifyAsync().DefaultTimeout());

        Assert.That(notListed!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(notListed.Message, Does.Contain("profile 'other build': MRTD expected " + Convert.ToHexStringLower(other.MrTd)));
        Assert.That(listed.AcceptedProfile!.Name, Is.EqualTo("listed"));
        Assert.That(removed!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
    }

    [Test]
    public async Task Verify_AgentWithChangedSetting_RefusedNamingTheSettingAsync()
    {
        using var directory = new TempDirectory("changed-setting");
        await using var modified = new AgentFactory(directory, new Dictionary<string, string?> { ["Compute:ModelCacheEntries"] = "0" });
        using var client = modified.CreateWorkerClient();

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new NodeVerifier(client, Factory.VerifierOptions()).VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain("setting compute.model-cache-entries expected '4', actual '0'"));
    }

    [Test]
    public async Task VerifyBundle_EventLogMissing_RefusedAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var bundle = await Client.GetAttestationAsync(nonce).DefaultTimeout();
        bundle.EventLog.Clear();

        var ex = Assert.Throws<WorkerClientException>(() => new NodeVerifier(Client, Factory.VerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain("no RTMR3 event log"));
    }

    [Test]
    public async Task VerifyBundle_SettingEventRewritten_RefusedAsReplayMismatchAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var bundle = await Client.GetAttestationAsync(nonce).DefaultTimeout();
        var setting = bundle.EventLog.First(e => e.EventType == RtmrEvent.SettingType && e.EventData.ToStringUtf8().StartsWith("logging.min-level=", StringComparison.Ordinal));
        // A host hiding a verbose log level: the rewritten event is self-consistent but no longer replays to the quoted RTMR3.
        setting.EventData = ByteString.CopyFromUtf8("logging.min-level=Warning");
        setting.Digest = ByteString.CopyFrom(SHA384.HashData(setting.EventData.Span));

        var ex = Assert.Throws<WorkerClientException>(() => new NodeVerifier(Client, Factory.VerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
        Assert.That(ex.Message, Does.Contain("does not replay to the quote's RTMR3"));
    }

    [Test]
    public async Task Start_PlantedIdentityFile_HasNoEffectAsync()
    {
        using var directory = new TempDirectory("planted-key");
        var signingKey = new byte[NodeIdentity.SigningKeyLength];
        signingKey[^1] = 1;
        var hpkePrivate = RandomNumberGenerator.GetBytes(32);
        using var plantedHpke = X25519KeyPair.FromPrivateKey(hpkePrivate);
        var path = directory.File("identity.key");
        await File.WriteAllBytesAsync(path, [.. signingKey, .. hpkePrivate]);
        using var plantedSigner = new EthSigner(signingKey);
        await using var factory = new AgentFactory(directory, new Dictionary<string, string?> { ["Agent:IdentityPath"] = path });
        using var client = factory.CreateWorkerClient();

        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        var other = await new NodeVerifier(Client, Factory.VerifierOptions()).VerifyAsync().DefaultTimeout();

        Assert.That(node.Address, Is.Not.EqualTo(plantedSigner.Address));
        Assert.That(node.HpkePublicKey, Is.Not.EqualTo(plantedHpke.PublicKey));
        Assert.That(node.Address, Is.Not.EqualTo(other.Address), "every start generates its own keys");
    }

    private sealed class ListProfileSource : IMeasurementProfileSource
    {
        public IReadOnlyList<MeasurementProfile> Profiles { get; set; } = [];

        public Task<IReadOnlyList<MeasurementProfile>> GetMeasurementProfilesAsync(CancellationToken cancellationToken) => Task.FromResult(Profiles);
    }
}
