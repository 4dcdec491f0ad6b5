using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// RA-TLS end to end (in-process agent on real Kestrel, the SDK's own TLS): the key the agent serves is the one its quote
/// binds, a client pins it and runs a job over it, and what a host can put at the endpoint (a TLS terminator, another
/// server, a plaintext agent, a channel the SDK cannot see into) is refused by default, naming why.
/// </summary>
public sealed class RaTlsTests
{
    private TempDirectory _directory = null!;
    private AgentFactory _factory = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        _directory = new TempDirectory("ra-tls");
        _factory = new AgentFactory(_directory);
    }

    /// <summary>Each test answers for what the server logged while it ran (a failure in OneTimeTearDown would count for no test).</summary>
    [TearDown]
    public void VerifyNoServerErrors()
    {
        try
        {
            LogAssert.VerifyNoErrors(_factory.Logs);
        }
        finally
        {
            _factory.Logs.Clear();
        }
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDownAsync()
    {
        await _factory.DisposeAsync();
        _directory.Dispose();
    }

    [Test]
    public async Task GetAttestation_ServedKey_IsTheOneReportDataBindsAsync()
    {
        // Arrange: the key the listener presents, read with a bare SslStream (no SDK code).
        var served = await ServedSpkiSha256Async(_factory.Endpoint);
        using var channel = _factory.CreateChannel();
        var nonce = RandomNumberGenerator.GetBytes(32);

        // Act
        var bundle = await new Protocol.V1.Attestation.AttestationClient(channel).GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(nonce) }).ResponseAsync.DefaultTimeout();

        // Assert: the agent's binding (v2) over the served key is what the quote carries, and the SDK accepts it.
        Assert.That(bundle.ReportDataVersion, Is.EqualTo(2));
        Assert.That(bundle.TlsSpkiSha256.ToByteArray(), Is.EqualTo(served));
        var reportData = QuoteParser.Parse(bundle.Quote.ToByteArray()).Body.ReportData;
        Assert.That(ReportDataBinding.Matches(reportData, bundle.NodeAddress.Span, bundle.HpkePublicKey.Span, bundle.GpuEvidenceDigest.Span, served), Is.True);
        var verifier = new NodeVerifier(_factory.CreateWorkerClient(), _factory.VerifierOptions());
        Assert.That(verifier.VerifyBundle(bundle, nonce).TlsSpkiSha256, Is.EqualTo(served));

        var swapped = bundle.Clone();
        var other = served.ToArray();
        other[0] ^= 1;
        swapped.TlsSpkiSha256 = ByteString.CopyFrom(other);
        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(swapped, nonce));
        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.BindingMismatch), "a bundle naming another TLS key than the quote binds");
    }

    [Test]
    public async Task SubmitJob_OverRaTls_PinsTheAttestedKeyAndRunsAsync()
    {
        using var client = _factory.CreateWorkerClient();

        var node = await new NodeVerifier(client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        var outcome = await new JobSubmitter(client).RunAsync(node, TinyMlp.Spec()).DefaultTimeout();

        Assert.That(client.Transport, Is.EqualTo(WorkerTransport.RaTls));
        Assert.That(node.TransportPinned, Is.True);
        Assert.That(node.TlsSpkiSha256, Is.EqualTo(await ServedSpkiSha256Async(_factory.Endpoint)));
        Assert.That(client.TlsPin!.PinnedSpkiSha256, Is.EqualTo(node.TlsSpkiSha256));
        Assert.That(outcome.Output.Outputs, Has.Count.EqualTo(1));
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs[0].Tensor.Span);
    }

    [Test]
    public async Task Verify_TlsTerminatorInFront_RefusedNamingBothKeysAsync()
    {
        await using var mitm = LoopbackRelay.Terminate(_factory.Endpoint);
        using var client = WorkerClient.Connect(mitm.Endpoint);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new NodeVerifier(client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.TlsKeyMismatch));
        Assert.That(ex.Message, Does.Contain(RaTlsBinding.Format(mitm.TerminatorSpkiSha256!)).And.Contain(RaTlsBinding.Format(await ServedSpkiSha256Async(_factory.Endpoint))));
        Assert.That(ex.Message, Does.Contain("TLS terminator"));
        Assert.That(client.TlsPin!.PinnedSpkiSha256, Is.Null, "nothing is pinned");
        Assert.That(ex.IsVerificationFailure, Is.True);
    }

    [Test]
    public async Task Call_PinnedClient_AnotherAgentAtTheEndpointRefusedAsync()
    {
        using var otherDirectory = new TempDirectory("ra-tls-other");
        await using var other = new AgentFactory(otherDirectory);
        await using var relay = LoopbackRelay.Forward(_factory.Endpoint);
        using var client = WorkerClient.Connect(relay.Endpoint);
        var node = await new NodeVerifier(client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        Assert.That(node.TransportPinned, Is.True, "a plain TCP relay carries the TD's own TLS: accepted");

        // The host puts another (genuine, attested) agent at the endpoint: every later connection must present the pinned key.
        await relay.SwitchToAsync(other.Endpoint);
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new JobSubmitter(client).RunAsync(node, TinyMlp.Spec()).DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.TlsKeyMismatch), ex.ToString());
        Assert.That(ex.Message, Does.Contain("pinned").And.Contain(RaTlsBinding.Format(node.TlsSpkiSha256!)).And.Contain(RaTlsBinding.Format(await ServedSpkiSha256Async(other.Endpoint))));
        LogAssert.VerifyNoErrors(other.Logs);
    }

    [Test]
    public async Task RunAsync_NodeAtTheEndpointRestartedWithNewKeys_ReverifiesPinsTheNewKeyAndResubmitsAsync()
    {
        using var otherDirectory = new TempDirectory("ra-tls-restarted");
        await using var restarted = new AgentFactory(otherDirectory);
        await using var relay = LoopbackRelay.Forward(_factory.Endpoint);
        using var client = WorkerClient.Connect(relay.Endpoint);
        var verifier = new NodeVerifier(client, _factory.VerifierOptions());
        var node = await verifier.VerifyAsync().DefaultTimeout();

        await relay.SwitchToAsync(restarted.Endpoint); // what a restart looks like from the client: new identity, new TLS key
        var outcome = await new JobSubmitter(client, verifier: verifier).RunAsync(node, TinyMlp.Spec()).DefaultTimeout();

        Assert.That(outcome.Resubmissions, Is.EqualTo(1));
        Assert.That(outcome.Node!.Address, Is.Not.EqualTo(node.Address));
        Assert.That(client.TlsPin!.PinnedSpkiSha256, Is.EqualTo(await ServedSpkiSha256Async(restarted.Endpoint)));
        LogAssert.VerifyNoErrors(restarted.Logs);
    }

    [Test]
    public async Task Verify_PlaintextAgent_RefusedByDefaultAcceptedOnlyWithInsecureTransportAsync()
    {
        using var directory = new TempDirectory("ra-tls-plaintext");
        await using var plaintext = new AgentFactory(directory, new Dictionary<string, string?> { ["Agent:TlsMode"] = "plaintext" });
        using var client = plaintext.CreateWorkerClient();

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new NodeVerifier(client, plaintext.VerifierOptions()).VerifyAsync().DefaultTimeout());
        var insecure = plaintext.VerifierOptions();
        insecure.InsecureTransport = true;
        var node = await new NodeVerifier(client, insecure).VerifyAsync().DefaultTimeout();

        Assert.That(plaintext.Endpoint.Scheme, Is.EqualTo("http"));
        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.InsecureTransport));
        Assert.That(ex.Message, Does.Contain("tls.mode=plaintext"));
        Assert.That(node.TransportPinned, Is.False);
        Assert.That(node.TlsSpkiSha256, Is.Null, "a plaintext node binds no TLS key");
        Assert.That(plaintext.Logs.GetSnapshot().Any(r => r.Id.Id == 5131 && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning), Is.True, "the agent warns loudly");
    }

    [Test]
    public void Verify_ChannelTheSdkCannotSeeInto_Refused()
    {
        using var client = new WorkerClient(_factory.CreateChannel(), ownsChannel: true);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new NodeVerifier(client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.InsecureTransport));
        Assert.That(ex.Message, Does.Contain("WorkerClient.Connect(https://"));
    }

    /// <summary>The SHA-256 of the SubjectPublicKeyInfo of the certificate served at <paramref name="endpoint"/>.</summary>
    private static async Task<byte[]> ServedSpkiSha256Async(Uri endpoint)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port).DefaultTimeout();
        await using var tls = new SslStream(tcp.GetStream());
        X509Certificate2? served = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return true;
            },
        }).DefaultTimeout();
        Assert.That(tls.NegotiatedApplicationProtocol, Is.EqualTo(SslApplicationProtocol.Http2), "ALPN h2");
        Assert.That(tls.SslProtocol, Is.EqualTo(System.Security.Authentication.SslProtocols.Tls13));
        using (served)
        {
            return SHA256.HashData(served!.PublicKey.ExportSubjectPublicKeyInfo());
        }
    }
}
