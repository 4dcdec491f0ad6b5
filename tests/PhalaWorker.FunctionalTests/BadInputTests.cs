using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// Each bad input of issue 2 against the in-process agent (emulated TEE, CPU backend, no chain): a clear gRPC status with a
/// reason or a typed SDK error, and the server logs no unexpected Error.
/// </summary>
public sealed class BadInputTests() : InProcessAgentTests("bad-input", new Dictionary<string, string?> { ["Compute:MaxModelBytes"] = "600000" })
{
    [Test]
    public async Task SubmitJob_TamperedEnvelope_InvalidArgumentDecryptionFailedAsync()
    {
        var request = Seal(Node, NewJobId(), Request());
        var ciphertext = request.Envelope.Ciphertext.ToByteArray();
        ciphertext[ciphertext.Length / 2] ^= 0x01;
        request.Envelope.Ciphertext = ByteString.CopyFrom(ciphertext);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Does.StartWith("ENVELOPE_"));
    }

    [Test]
    public async Task SubmitJob_TamperedEnc_InvalidArgumentAsync()
    {
        var request = Seal(Node, NewJobId(), Request());
        var enc = request.Envelope.Enc.ToByteArray();
        enc[0] ^= 0x80;
        request.Envelope.Enc = ByteString.CopyFrom(enc);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Does.StartWith("ENVELOPE_"));
    }

    [Test]
    public async Task SubmitJob_SealedToAnotherKey_InvalidArgumentAsync()
    {
        using var otherKey = X25519KeyPair.Generate();
        var impostor = Node with { HpkePublicKey = otherKey.PublicKey };

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(Seal(impostor, NewJobId(), Request())).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Does.StartWith("ENVELOPE_"));
    }

    [Test]
    public async Task SubmitJob_EnvelopeBoundToAnotherJobId_InvalidArgumentAsync()
    {
        var request = Seal(Node, NewJobId(), Request());
        request.JobId = ByteString.CopyFrom(NewJobId());

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.RpcReason, Does.StartWith("ENVELOPE_"));
    }

    [Test]
    public async Task SubmitJob_ReplayedJobIdWithAnotherEnvelope_AlreadyExistsAsync()
    {
        var jobId = NewJobId();
        var first = Seal(Node, jobId, Request());
        await Client.SubmitJobAsync(first).DefaultTimeout();

        var again = await Client.SubmitJobAsync(first).DefaultTimeout();
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(Seal(Node, jobId, Request())).DefaultTimeout());

        Assert.That(again.Duplicate, Is.True);
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        Assert.That(ex.RpcReason, Is.EqualTo("JOB_ID_IN_USE"));
    }

    [Test]
    public async Task SubmitJob_ModelOverLimit_ResourceExhaustedAsync()
    {
        var request = Request();
        request.Model = ByteString.CopyFrom(new byte[700_000]);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(Seal(Node, NewJobId(), request)).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(ex.RpcReason, Is.EqualTo("MODEL_LIMIT_EXCEEDED"));
        Assert.That(ex.Message, Does.Contain("MaxModelBytes"));
    }

    [Test]
    public void SubmitJob_UnknownOperator_InvalidArgumentWithoutNamingIt()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyMlp.Model);
        model.Graph.Node[0].OpType = "FancyOp";
        var request = Request();
        request.Model = model.ToByteString();

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(Seal(Node, NewJobId(), request)).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Does.StartWith("MODEL_"));
        Assert.That(ex.Message, Does.Not.Contain("FancyOp"), "the operator is inside the encrypted job: the refusal names the reason only");
    }

    [Test]
    public void SubmitJob_GarbageModel_InvalidArgument()
    {
        var request = Request();
        request.Model = ByteString.CopyFrom(0x0a, 0xff, 0xff, 0x01);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(Seal(Node, NewJobId(), request)).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Does.StartWith("MODEL_").Or.EqualTo("MALFORMED_PROTOBUF"));
    }

    [Test]
    public async Task SubmitJob_MalformedProtobufPlaintext_InvalidArgumentAsync()
    {
        var jobId = NewJobId();
        byte[] garbage = [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01];
        var sealedJob = JobEnvelope.Seal(Node.HpkePublicKey, jobId, Node.Address.AsSpan(), garbage);
        var request = new SubmitJobRequest
        {
            JobId = ByteString.CopyFrom(jobId),
            Envelope = new SealedEnvelope
            {
                Version = 1,
                Suite = new HpkeSuite { KemId = 0x20, KdfId = 1, AeadId = 3 },
                Enc = ByteString.CopyFrom(sealedJob.Enc),
                Ciphertext = ByteString.CopyFrom(sealedJob.Ciphertext),
            },
        };

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ex.RpcReason, Is.EqualTo("MALFORMED_PROTOBUF"));
    }

    [Test]
    public async Task SubmitJob_UnsupportedSuite_InvalidArgumentAsync()
    {
        var request = Seal(Node, NewJobId(), Request());
        request.Envelope.Suite.KemId = 0x0010;

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.RpcReason, Is.EqualTo("ENVELOPE_SUITE"));
    }

    [Test]
    public async Task SubmitJob_ShortJobId_InvalidArgumentAsync()
    {
        var request = Seal(Node, NewJobId(), Request());
        request.JobId = ByteString.CopyFrom(1, 2, 3);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.SubmitJobAsync(request).DefaultTimeout());

        Assert.That(ex!.RpcReason, Is.EqualTo("JOB_ID_LENGTH"));
    }

    [Test]
    public void GetResult_UnknownJob_NotFound()
    {
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.GetResultAsync(NewJobId(), new byte[32]).DefaultTimeout());

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.RpcReason, Is.EqualTo("JOB_NOT_FOUND"));
    }

    [Test]
    public void GetAttestation_ShortNonce_InvalidArgument()
    {
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Client.GetAttestationAsync(new byte[8]).DefaultTimeout());

        Assert.That(ex!.RpcReason, Is.EqualTo("NONCE_LENGTH"));
    }

    [Test]
    public void Verify_EmulatedWithoutAllowEmulated_Refused()
    {
        var verifier = new NodeVerifier(Client, new NodeVerifierOptions { RequireRegistration = false });

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => verifier.VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.EmulatedNotAllowed));
        Assert.That(ex.IsVerificationFailure, Is.True);
    }

    [Test]
    public async Task VerifyBundle_TamperedQuoteReportData_BindingMismatchAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var bundle = await Client.GetAttestationAsync(nonce).DefaultTimeout();
        var otherKey = RandomNumberGenerator.GetBytes(32);
        bundle.HpkePublicKey = ByteString.CopyFrom(otherKey);
        var verifier = new NodeVerifier(Client, Factory.VerifierOptions());

        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.BindingMismatch));
    }

    [Test]
    public async Task VerifyBundle_OtherNonce_NonceSignatureInvalidAsync()
    {
        var bundle = await Client.GetAttestationAsync(RandomNumberGenerator.GetBytes(32)).DefaultTimeout();
        var verifier = new NodeVerifier(Client, Factory.VerifierOptions());

        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(bundle, RandomNumberGenerator.GetBytes(32)));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.NonceSignatureInvalid));
    }

    [Test]
    public async Task VerifyBundle_TamperedQuoteSignature_QuoteRejectedAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var bundle = await Client.GetAttestationAsync(nonce).DefaultTimeout();
        var verifier = new NodeVerifier(Client, Factory.VerifierOptions());
        var quote = bundle.Quote.ToByteArray();
        quote[48 + 584 + 4 + 10] ^= 0x01; // inside the ECDSA quote signature, after header, TD report body and the signature length

        bundle.Quote = ByteString.CopyFrom(quote);

        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(bundle, nonce));
        Assert.That(ex!.IsVerificationFailure, Is.True);
        Assert.That(ex.Reason, Is.AnyOf(WorkerClientErrorReason.NonceSignatureInvalid, WorkerClientErrorReason.QuoteRejected));
    }

    [Test]
    public async Task Run_TamperedReceipt_ReceiptInvalidAsync()
    {
        var outcome = await new JobSubmitter(Client).RunAsync(Node, TinyMlp.Spec()).DefaultTimeout();
        var result = await Client.GetResultAsync(outcome.JobId, Chain.Receipts.JobSecrets.AccessToken(outcome.JobSecret)).DefaultTimeout();
        var request = new JobRequest { Model = ByteString.CopyFrom(TinyMlp.Model), JobSecret = ByteString.CopyFrom(outcome.JobSecret) };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });

        var wrongOutput = result.Receipt.Clone();
        wrongOutput.OutputHash = ByteString.CopyFrom(new byte[32]);
        var wrongSignature = result.Receipt.Clone();
        var signature = wrongSignature.Signature.ToByteArray();
        signature[5] ^= 0x01;
        wrongSignature.Signature = ByteString.CopyFrom(signature);
        var laterTime = result.Receipt.Clone();
        laterTime.FinishedAt += 1;

        Assert.That(ReceiptVerifier.Verify(result.Receipt, Node, outcome.JobId, request, outcome.Output).Signer, Is.EqualTo(Node.Address));
        foreach (var tampered in new[] { wrongOutput, wrongSignature, laterTime })
        {
            var ex = Assert.Throws<WorkerClientException>(() => ReceiptVerifier.Verify(tampered, Node, outcome.JobId, request, outcome.Output));
            Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.ReceiptInvalid));
        }
    }

    [Test]
    public async Task Run_TinyMlpWithoutChain_OutputMatchesExpectedAsync()
    {
        var events = new List<JobState>();

        var outcome = await new JobSubmitter(Client).RunAsync(Node, TinyMlp.Spec(), new SyncProgress(e => events.Add(e.State))).DefaultTimeout();

        Assert.That(outcome.Output.Outputs, Has.Count.EqualTo(1));
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs[0].Tensor.Span);
        Assert.That(events.Last(), Is.EqualTo(JobState.Succeeded));
        Assert.That(outcome.Receipt.Signer, Is.EqualTo(Node.Address));
        Assert.That(outcome.Inclusion, Is.Null);
    }

    private static byte[] NewJobId() => RandomNumberGenerator.GetBytes(32);

    private static JobRequest Request()
    {
        using var resultKey = X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        return request;
    }

    private static SubmitJobRequest Seal(VerifiedNode node, byte[] jobId, JobRequest request) =>
        JobSubmitter.Seal(node, jobId, request, new JobSpec(request.Model.ToByteArray(), []));

    private sealed class SyncProgress(Action<JobEvent> report) : IProgress<JobEvent>
    {
        public void Report(JobEvent value) => report(value);
    }
}
