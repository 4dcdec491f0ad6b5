extern alias agent;

using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Compute;
using PhalaWorker.Crypto;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;
using PhalaWorker.Testing;
using AgentAttestationBootstrapper = agent::PhalaWorker.Agent.Startup.AttestationBootstrapper;
using AgentEnvelopeSuite = agent::PhalaWorker.Agent.Jobs.EnvelopeSuite;
using AgentJobRunner = agent::PhalaWorker.Agent.Jobs.JobRunner;
using AgentJobService = agent::PhalaWorker.Agent.Grpc.JobService;
using AgentRpcErrors = agent::PhalaWorker.Agent.Grpc.RpcErrors;
using AgentStatusMapping = agent::PhalaWorker.Agent.Grpc.StatusMappingInterceptor;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The wire contract has one definition (Protocol/Wire, Chain/Receipts, Crypto/Envelopes, Attestation/Emulation): what
/// the agent's code produces, the SDK's code consumes through it; every code the agent can emit is in
/// <see cref="ReasonCodes"/> with the status it is emitted with, and <c>proto/README.md</c> documents exactly that table.
/// </summary>
public sealed class WireContractTests
{
    private static readonly string AgentSources = Path.Combine(TestData.RepositoryRoot, "src", "PhalaWorker.Agent");
    private static readonly string ClientSources = Path.Combine(TestData.RepositoryRoot, "src", "PhalaWorker.Client");

    private TempDirectory _directory = null!;
    private AgentFactory _factory = null!;
    private WorkerClient _client = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        _directory = new TempDirectory("wire-contract");
        _factory = new AgentFactory(_directory);
        _client = _factory.CreateWorkerClient();
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
        _client.Dispose();
        await _factory.DisposeAsync();
        _directory.Dispose();
    }

    // ---- the table itself

    [Test]
    public void ReasonCodes_EveryConstant_IsARefusalOrAFailure()
    {
        var listed = ReasonCodes.Refusals.Select(r => r.Code).Concat(ReasonCodes.Failures.Select(f => f.Code)).ToHashSet(StringComparer.Ordinal);
        var unlisted = CodeConstants().Where(c => !listed.Contains(c)).ToList();
        Assert.That(unlisted, Is.Empty, "codes defined in ReasonCodes but in neither table");
    }

    [Test]
    public void ReasonCodes_Tables_UniqueWellFormedDefinedAndExplained()
    {
        var constants = CodeConstants().ToHashSet(StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(ReasonCodes.Refusals.Select(r => r.Code), Is.Unique);
            Assert.That(ReasonCodes.Failures.Select(f => f.Code), Is.Unique);
            foreach (var code in ReasonCodes.Refusals.Select(r => r.Code).Concat(ReasonCodes.Failures.Select(f => f.Code)))
            {
                Assert.That(code, Does.Match("^[A-Z][A-Z0-9_]*$"));
                Assert.That(constants, Does.Contain(code), $"{code} is listed but has no constant");
            }

            Assert.That(ReasonCodes.Refusals.Select(r => r.Meaning).Concat(ReasonCodes.Failures.Select(f => f.Meaning)), Has.All.Not.Empty);
            Assert.That(ReasonCodes.Refusals.Select(r => r.Status), Has.None.EqualTo(StatusCode.OK));
        });
    }

    [TestCase("JOB_ID_LENGTH: job_id must be 32 bytes", "JOB_ID_LENGTH")]
    [TestCase("MODEL_INVALID_INPUT: the job failed while running", "MODEL_INVALID_INPUT")]
    [TestCase("no code here", null)]
    [TestCase(": empty code", null)]
    [TestCase("lower_case: not a code", null)]
    [TestCase("", null)]
    public void CodeOf_Detail_CodeOrNull(string detail, string? expected) =>
        Assert.That(ReasonCodes.CodeOf(detail), Is.EqualTo(expected));

    // ---- every code the agent can emit is listed, with the status it is emitted with

    [Test]
    public void AgentClassify_EveryCryptoFailure_ListedEnvelopeRefusal()
    {
        Assert.Multiple(() =>
        {
            foreach (var reason in Enum.GetValues<CryptoErrorReason>())
            {
                var mapped = AgentStatusMapping.Classify(new CryptoException(reason, "x"), CancellationToken.None)!;
                AssertListedRefusal(mapped, $"CryptoErrorReason.{reason}");
                Assert.That(TrailerOf(mapped), Does.StartWith(ReasonCodes.EnvelopePrefix));
            }
        });
    }

    [Test]
    public void AgentClassify_EveryComputeFailure_ListedModelRefusal()
    {
        Assert.Multiple(() =>
        {
            foreach (var reason in Enum.GetValues<ComputeErrorReason>())
            {
                var mapped = AgentStatusMapping.Classify(new ComputeException(reason, "operator Foo on tensor secret_input"), CancellationToken.None)!;
                AssertListedRefusal(mapped, $"ComputeErrorReason.{reason}");
                Assert.That(TrailerOf(mapped), Does.StartWith(ReasonCodes.ModelPrefix));
                Assert.That(mapped.Status.Detail, Does.Not.Contain("secret_input"));
            }
        });
    }

    [Test]
    public void AgentClassify_OtherDomainFailures_ListedRefusals()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Multiple(() =>
        {
            AssertListedRefusal(AgentStatusMapping.Classify(new OperationCanceledException(), cancelled.Token)!, "cancelled call");
            AssertListedRefusal(AgentStatusMapping.Classify(Malformed(), CancellationToken.None)!, "protobuf");
            AssertListedRefusal(AgentStatusMapping.Classify(new QuoteFormatException("x"), CancellationToken.None)!, "quote format");
            AssertListedRefusal(AgentStatusMapping.Classify(new Chain.JsonRpc.JsonRpcException(default, "eth_call", "x"), CancellationToken.None)!, "json-rpc");
        });
    }

    [Test]
    public void AgentDescribe_EveryJobFailure_ListedFailureCode()
    {
        var failures = new List<(string Case, Exception Exception)>
        {
            ("protobuf", Malformed()),
        };
        failures.AddRange(Enum.GetValues<CryptoErrorReason>().Select(r => ($"crypto {r}", (Exception)new CryptoException(r, "x"))));
        failures.AddRange(Enum.GetValues<ComputeErrorReason>().Select(r => ($"compute {r}", (Exception)new ComputeException(r, "x"))));

        // What the validator and the envelope check refuse with, when they run again on a journaled job.
        failures.AddRange(new[] { ReasonCodes.ResultKeyLength, ReasonCodes.JobSecretLength, ReasonCodes.ModelMissing, ReasonCodes.ModelLimitExceeded, ReasonCodes.InputDuplicate }
            .Select(code => ($"validator {code}", (Exception)AgentRpcErrors.Create(ReasonCodes.FindRefusal(code)!.Status, code, "x"))));
        foreach (var broken in BrokenFramings())
        {
            var refused = Assert.Throws<RpcException>(() => AgentEnvelopeSuite.Validate(broken.Envelope))!;
            failures.Add(($"framing {broken.Expected}", refused));
        }

        var failureCodes = ReasonCodes.Failures.Select(f => f.Code).ToHashSet(StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            foreach (var (name, exception) in failures)
            {
                var described = AgentJobRunner.Describe(exception);
                Assert.That(described, Is.Not.Null, name);
                var code = ReasonCodes.CodeOf(described!.Value.Public);
                Assert.That(failureCodes, Does.Contain(code), $"{name}: {described.Value.Public}");
                if (exception is not CryptoException)
                {
                    // (a job that does not open has no result key to seal the detail to)
                    Assert.That(ReasonCodes.CodeOf(described.Value.Sealed), Is.EqualTo(code), $"{name}: the sealed detail starts with the same code");
                }
            }
        });
    }

    [Test]
    public void AgentSources_RefuseOnlyWithListedConstantsAtTheirStatus()
    {
        var helper = new Regex(@"RpcErrors\.(?<helper>\w+)\(\s*(?:StatusCode\.(?<status>\w+)\s*,\s*)?(?<reason>[^,]+),", RegexOptions.CultureInvariant);
        var constant = new Regex(@"^ReasonCodes\.(?<name>\w+)$", RegexOptions.CultureInvariant);
        var family = new Regex(@"^ReasonCodes\.(EnvelopePrefix|ModelPrefix) \+ ", RegexOptions.CultureInvariant);
        var values = CodeConstantsByName();
        var problems = new List<string>();
        var sites = 0;
        foreach (var file in Directory.EnumerateFiles(AgentSources, "*.cs", SearchOption.AllDirectories).Where(IsSource))
        {
            var relative = Path.GetRelativePath(AgentSources, file);
            foreach (Match match in helper.Matches(File.ReadAllText(file)))
            {
                var name = match.Groups["helper"].Value;
                if (name is "ReasonTrailer")
                {
                    continue;
                }

                sites++;
                var reason = match.Groups["reason"].Value.Trim();
                var status = match.Groups["status"].Success ? match.Groups["status"].Value : name;
                if (constant.Match(reason) is { Success: true } c && values.TryGetValue(c.Groups["name"].Value, out var code))
                {
                    var listed = ReasonCodes.FindRefusal(code);
                    if (listed is null)
                    {
                        problems.Add($"{relative}: {code} is not in ReasonCodes.Refusals");
                    }
                    else if (!Enum.TryParse<StatusCode>(status, out var emitted) || emitted != listed.Status)
                    {
                        problems.Add($"{relative}: {code} is emitted as {status}, listed as {listed.Status}");
                    }
                }
                else if (family.IsMatch(reason) || (reason == "reason" && relative == Path.Combine("Jobs", "EnvelopeSuite.cs")))
                {
                    // Derived codes: covered by the Classify tests above, and the framing codes by SealedEnvelopes.
                }
                else
                {
                    problems.Add($"{relative}: RpcErrors.{name}({reason}, …) does not name a ReasonCodes constant");
                }
            }
        }

        Assert.That(sites, Is.GreaterThan(15), "the scan found the agent's refusal sites");
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void Sources_NoCodeOrTrailerWrittenOutsideReasonCodes()
    {
        var literal = new Regex("\"(?<code>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:: [^\"]*)?\"", RegexOptions.CultureInvariant);
        var known = ReasonCodes.Refusals.Select(r => r.Code).Concat(ReasonCodes.Failures.Select(f => f.Code)).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(AgentSources, "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(ClientSources, "*.cs", SearchOption.AllDirectories)).Where(IsSource))
        {
            var text = File.ReadAllText(file);
            var relative = Path.GetRelativePath(TestData.RepositoryRoot, file);
            if (text.Contains("\"phala-reason\"", StringComparison.Ordinal))
            {
                problems.Add($"{relative}: writes the trailer name (use ReasonCodes.Trailer)");
            }

            problems.AddRange(literal.Matches(text).Select(m => m.Groups["code"].Value).Where(known.Contains)
                .Select(code => $"{relative}: writes \"{code}\" (use ReasonCodes)"));
        }

        Assert.That(problems, Is.Empty);
    }

    // ---- proto/README.md documents exactly the table

    [Test]
    public void ProtoReadme_RefusalTable_EqualsReasonCodes()
    {
        var documented = ReadmeRows("### Refusals", 3).Select(row => $"{row[1]} {row[0]}").Order(StringComparer.Ordinal).ToList();
        var defined = ReasonCodes.Refusals.Select(r => $"{r.Code} {StatusName(r.Status)}").Order(StringComparer.Ordinal).ToList();
        Assert.That(documented, Is.EqualTo(defined));
    }

    [Test]
    public void ProtoReadme_FailedTable_EqualsReasonCodes()
    {
        var documented = ReadmeRows("### FAILED reasons", 2).Select(row => row[0]).Order(StringComparer.Ordinal).ToList();
        var defined = ReasonCodes.Failures.Select(f => f.Code).Order(StringComparer.Ordinal).ToList();
        Assert.That(documented, Is.EqualTo(defined));
    }

    [Test]
    public void ProtoReadme_EmulatedRootKey_IsTheDerivedOne()
    {
        var readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "proto", "README.md"));
        Assert.That(readme, Does.Contain(EmulatedTee.DefaultRootPublicKeySha256));
    }

    // ---- round trips: the agent's code produces, the SDK's code consumes

    [Test]
    public void Refusal_EveryListedCode_AgentRpcErrorsToSdkException()
    {
        Assert.Multiple(() =>
        {
            foreach (var refusal in ReasonCodes.Refusals)
            {
                var sent = AgentRpcErrors.Create(refusal.Status, refusal.Code, "human text");
                var received = WorkerClient.Translate(sent);
                Assert.That(received.RpcReason, Is.EqualTo(refusal.Code));
                Assert.That(received.StatusCode, Is.EqualTo(refusal.Status));
                Assert.That(ReasonCodes.CodeOf(sent.Status.Detail), Is.EqualTo(refusal.Code));
            }
        });
    }

    [Test]
    public void Refusal_OverGrpc_SdkReadsTheAgentsCodeAndStatus()
    {
        var ex = Assert.ThrowsAsync<WorkerClientException>(() =>
            _client.SubmitJobAsync(new SubmitJobRequest { JobId = ByteString.CopyFrom(new byte[AgentJobService.JobIdLength - 1]) }).DefaultTimeout());

        Assert.That(ex!.RpcReason, Is.EqualTo(ReasonCodes.JobIdLength));
        Assert.That(ex.StatusCode, Is.EqualTo(ReasonCodes.FindRefusal(ReasonCodes.JobIdLength)!.Status));
        Assert.That(ex.Reason, Is.EqualTo(WorkerClientErrorReason.Refused));
    }

    [Test]
    public async Task NonceSignature_AgentSigns_OneDefinitionVerifiesAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(AttestationNonceSignature.NonceLength);

        var bundle = await _client.GetAttestationAsync(nonce).DefaultTimeout();

        var address = new EthAddress(bundle.NodeAddress.Span);
        Assert.Multiple(() =>
        {
            Assert.That(AttestationNonceSignature.Verify(nonce, bundle.Quote.Span, bundle.NonceSignature.Span, address), Is.True);
            Assert.That(AttestationNonceSignature.Hash(nonce, Keccak256.Hash(bundle.Quote.Span)), Is.EqualTo(AttestationNonceSignature.Hash(nonce, bundle.Quote.Span)));
            Assert.That(AttestationNonceSignature.Verify(RandomNumberGenerator.GetBytes(32), bundle.Quote.Span, bundle.NonceSignature.Span, address), Is.False);
        });
    }

    [TestCase(HpkeAead.Aes128Gcm)]
    [TestCase(HpkeAead.Aes256Gcm)]
    [TestCase(HpkeAead.ChaCha20Poly1305)]
    public async Task Job_EachAead_SdkSealsAgentOpensAgentSealsSdkOpensAndChecksReceiptAsync(HpkeAead aead)
    {
        var node = await new NodeVerifier(_client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        var jobId = RandomNumberGenerator.GetBytes(JobSubmitter.JobIdLength);
        var submit = JobSubmitter.Seal(node, jobId, new JobRequest(), TinyMlp.Spec() with { Aead = aead });
        Assert.That(AgentEnvelopeSuite.Validate(submit.Envelope), Is.EqualTo(aead), "the agent reads the SDK's framing");

        // Framing, envelopes, job id and receipt hashes, both ways through the one definition of each.
        var outcome = await new JobSubmitter(_client).RunAsync(node, TinyMlp.Spec() with { Aead = aead, JobId = jobId }).DefaultTimeout();

        Assert.That(outcome.JobId, Is.EqualTo(jobId));
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs.Single().Tensor.Span);
        var salt = JobSecrets.ReceiptSalt(outcome.JobSecret!);
        Assert.That(outcome.Receipt.Data.InputHash, Is.EqualTo(ReceiptHashes.Tensors(salt, [new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) }])));
    }

    [Test]
    public void EnvelopeFraming_Broken_AgentRefusesWithTheCodeTheSdkReads()
    {
        Assert.Multiple(() =>
        {
            foreach (var broken in BrokenFramings())
            {
                var refused = Assert.Throws<RpcException>(() => AgentEnvelopeSuite.Validate(broken.Envelope))!;
                var received = WorkerClient.Translate(refused);
                Assert.That(received.RpcReason, Is.EqualTo(broken.Expected));
                Assert.That(received.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
                Assert.That(SealedEnvelopes.TryGetAead(broken.Envelope, out _, out var sdkReason, out _), Is.False);
                Assert.That(sdkReason, Is.EqualTo(broken.Expected), "the SDK's own check of a result envelope gives the same code");
            }
        });
    }

    [Test]
    public async Task JobFailure_AgentFailsTheJob_SdkReadsItsCodeAsync()
    {
        var node = await new NodeVerifier(_client, _factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        // An input that is not a TensorProto passes SubmitJob (it checks the model, not the inputs) and fails while running.
        var spec = new JobSpec(TinyMlp.Model, [("x", [0xff, 0xff, 0xff])]);
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => new JobSubmitter(_client).RunAsync(node, spec).DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.JobFailed));
        Assert.That(ReasonCodes.Failures.Select(f => f.Code), Does.Contain(ex.RpcReason));
        Assert.That(ex.RpcReason, Does.StartWith(ReasonCodes.ModelPrefix));
    }

    [Test]
    public void ReceiptHashes_AgentAndSdk_OneDefinitionOverMessageOrder()
    {
        var salt = new Hash32(RandomNumberGenerator.GetBytes(32));
        var tensors = new[] { new NamedTensor { Name = "b", Tensor = ByteString.CopyFrom(1, 2) }, new NamedTensor { Name = "a", Tensor = ByteString.CopyFrom(3) } };

        var expected = Keccak256.Hash([.. salt.AsSpan(), 0, 0, 0, 1, (byte)'b', 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, (byte)'a', 0, 0, 0, 1, 3]);

        Assert.That(ReceiptHashes.Tensors(salt, tensors), Is.EqualTo(expected));
        Assert.That(ReceiptHashes.Tensors(salt, tensors.Reverse()), Is.Not.EqualTo(expected));
    }

    [Test]
    public void ReceiptMessage_WrittenAsTheAgentDoes_ReadBackToTheSignedFields()
    {
        var data = new JobReceiptData(new Hash32(RandomNumberGenerator.GetBytes(32)), new Hash32(RandomNumberGenerator.GetBytes(32)),
            new Hash32(RandomNumberGenerator.GetBytes(32)), new Hash32(RandomNumberGenerator.GetBytes(32)), new Hash32(RandomNumberGenerator.GetBytes(32)),
            1_700_000_000, "cpu");
        var registry = new EthAddress(RandomNumberGenerator.GetBytes(20));
        var node = new EthAddress(RandomNumberGenerator.GetBytes(20));

        var message = ReceiptMessages.ToMessage(data, 31337, registry, node, new byte[65]);

        Assert.Multiple(() =>
        {
            Assert.That(ReceiptMessages.TryReadData(message, out var read), Is.True);
            Assert.That(read, Is.EqualTo(data));
            Assert.That(message.ChainId, Is.EqualTo(31337));
            Assert.That(new EthAddress(message.RegistryAddress.Span), Is.EqualTo(registry));
            Assert.That(new EthAddress(message.NodeAddress.Span), Is.EqualTo(node));
            var truncated = message.Clone();
            truncated.InputHash = ByteString.CopyFrom(new byte[31]);
            Assert.That(ReceiptMessages.TryReadData(truncated, out _), Is.False);
        });
    }

    [Test]
    public void JobIdLength_AgentAndSdk_TheAadLength()
    {
        Assert.That(AgentJobService.JobIdLength, Is.EqualTo(EnvelopeFormat.JobIdLength));
        Assert.That(JobSubmitter.JobIdLength, Is.EqualTo(EnvelopeFormat.JobIdLength));
        Assert.Throws<ArgumentException>(() => JobEnvelope.Seal(new byte[32], new byte[EnvelopeFormat.JobIdLength - 1], new byte[20], [1]));
    }

    [Test]
    public async Task EmulationSeed_AgentDefault_SdkDefaultTrustsItsRootAsync()
    {
        Assert.That(new NodeVerifierOptions().EmulationSeed, Is.EqualTo(AgentAttestationBootstrapper.EmulationSeed));

        var bundle = await _client.GetAttestationAsync(RandomNumberGenerator.GetBytes(32)).DefaultTimeout();

        // The root of the PCK chain in the agent's quote carries the stable key derived from the seed.
        var chain = QuoteParser.Parse(bundle.Quote.Span).SignatureData.QeReportCertification!.Inner as PckCertChainCertificationData;
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(Encoding.ASCII.GetString(chain!.PemChain).TrimEnd('\0'));
        var root = certificates.Single(c => c.SubjectName.Name.Contains(EmulatedTee.RootCaName, StringComparison.Ordinal));
        var spkiSha256 = Convert.ToHexStringLower(SHA256.HashData(root.PublicKey.ExportSubjectPublicKeyInfo()));
        Assert.That(spkiSha256, Is.EqualTo(EmulatedTee.DefaultRootPublicKeySha256));
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }

    private static IEnumerable<(SealedEnvelope? Envelope, string Expected)> BrokenFramings()
    {
        SealedEnvelope Good() => SealedEnvelopes.Create(new HpkeSealed(new byte[32], new byte[16]), HpkeAead.ChaCha20Poly1305);
        yield return (null, ReasonCodes.EnvelopeMissing);
        var version = Good();
        version.Version = 2;
        yield return (version, ReasonCodes.EnvelopeVersion);
        var noSuite = Good();
        noSuite.Suite = null;
        yield return (noSuite, ReasonCodes.EnvelopeSuite);
        var kem = Good();
        kem.Suite.KemId = 0x0010;
        yield return (kem, ReasonCodes.EnvelopeSuite);
        var kdf = Good();
        kdf.Suite.KdfId = 0x0002;
        yield return (kdf, ReasonCodes.EnvelopeSuite);
        var aead = Good();
        aead.Suite.AeadId = 0xffff;
        yield return (aead, ReasonCodes.EnvelopeSuite);
        var enc = Good();
        enc.Enc = ByteString.CopyFrom(new byte[31]);
        yield return (enc, ReasonCodes.EnvelopeEncLength);
    }

    private static InvalidProtocolBufferException Malformed()
    {
        try
        {
            JobRequest.Parser.ParseFrom([0xff, 0xff, 0xff]);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return ex;
        }

        throw new AssertionException("0xff 0xff 0xff parsed as a JobRequest");
    }

    private static void AssertListedRefusal(RpcException mapped, string what)
    {
        var code = TrailerOf(mapped);
        var listed = ReasonCodes.FindRefusal(code);
        Assert.That(listed, Is.Not.Null, $"{what} → {code} is not in ReasonCodes.Refusals");
        Assert.That(mapped.StatusCode, Is.EqualTo(listed?.Status), $"{what} → {code}");
        Assert.That(ReasonCodes.CodeOf(mapped.Status.Detail), Is.EqualTo(code), $"{what}: the detail starts with the code");
    }

    private static string? TrailerOf(RpcException exception) => exception.Trailers.GetValue(ReasonCodes.Trailer);

    private static IEnumerable<string> CodeConstants() => CodeConstantsByName().Values;

    private static Dictionary<string, string> CodeConstantsByName() =>
        typeof(ReasonCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name is not (nameof(ReasonCodes.Trailer) or nameof(ReasonCodes.RetryAfterTrailer) or nameof(ReasonCodes.EnvelopePrefix) or nameof(ReasonCodes.ModelPrefix)))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

    /// <summary><c>InvalidArgument</c> → <c>INVALID_ARGUMENT</c>, the gRPC spelling proto/README.md uses.</summary>
    private static string StatusName(StatusCode status) => AgentStatusMapping.ScreamingCase(status.ToString());

    private static bool IsSource(string path) =>
        !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    /// <summary>The rows under <paramref name="heading"/> whose first <paramref name="cells"/> cells are each one <c>`CODE`</c>.</summary>
    private static List<string[]> ReadmeRows(string heading, int cells)
    {
        var lines = File.ReadAllLines(Path.Combine(TestData.RepositoryRoot, "proto", "README.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == heading);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"proto/README.md has a '{heading}' section");
        var rows = new List<string[]>();
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith('#'); i++)
        {
            var parts = lines[i].Split('|', StringSplitOptions.TrimEntries);
            if (parts.Length < cells + 2)
            {
                continue;
            }

            var values = parts.Skip(1).Take(cells - 1).Select(p => Regex.Match(p, "^`([A-Z][A-Z0-9_]*)`$", RegexOptions.CultureInvariant)).ToList();
            if (values.All(v => v.Success))
            {
                rows.Add([.. values.Select(v => v.Groups[1].Value)]);
            }
        }

        Assert.That(rows, Is.Not.Empty, $"the '{heading}' table has rows");
        return rows;
    }
}
