using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// Bad protobuf under load (issue 11): random and truncated request bodies on every RPC, sent as raw bytes through
/// <see cref="Grpc.Net.Client"/> with a pass-through marshaller, each get a status with a <c>phala-reason</c> (never
/// <c>UNKNOWN</c> without one) and leave nothing at Warning or above in the agent's log; and bodies that are not one whole
/// gRPC frame (sent below gRPC, over HTTP/2) get <c>MALFORMED_FRAME</c> / <c>MESSAGE_TOO_LARGE</c>.
/// </summary>
public sealed class BadProtobufSoakTests() : InProcessAgentTests("bad-protobuf-soak", new Dictionary<string, string?>
{
    // One client from one address would meet the per-client limits (RATE_LIMITED, a reason too) instead of the parser.
    ["Agent:Limits:RateLimitsEnabled"] = "false",
    ["Agent:MaxMessageBytes"] = "1048576",
}, verifyNode: false)
{
    private const int Bodies = 2_000;
    private const int Concurrency = 8;

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(static (byte[] b) => b, static b => b);

    private static readonly Method<byte[], byte[]>[] Methods =
    [
        Unary("phala.worker.v1.Attestation", "GetAttestation"),
        Unary("phala.worker.v1.Jobs", "SubmitJob"),
        Unary("phala.worker.v1.Jobs", "UploadModel"),
        Unary("phala.worker.v1.Jobs", "GetResult"),
        new(MethodType.ServerStreaming, "phala.worker.v1.Jobs", "WatchJob", Raw, Raw),
    ];

    [Test]
    public async Task AnyRpc_RandomAndTruncatedBodies_EveryAnswerHasAReasonAndNoWarningIsLoggedAsync()
    {
        // Arrange: seeded bodies (CONVENTIONS.md 23): half random bytes, half a well-formed request cut short.
        var random = new Random(674386);
        var valid = ValidRequests();
        var bodies = new (int Method, byte[] Body)[Bodies];
        for (var i = 0; i < Bodies; i++)
        {
            var method = random.Next(Methods.Length);
            byte[] body;
            if (i % 2 == 0)
            {
                body = new byte[random.Next(1, 600)];
                random.NextBytes(body);
            }
            else
            {
                var whole = valid[method];
                body = whole[..random.Next(1, whole.Length)];
            }

            bodies[i] = (method, body);
        }

        using var channel = Factory.CreateChannel();
        var invoker = channel.CreateCallInvoker();
        var answers = new (StatusCode Status, string? Reason)[Bodies];

        Factory.Logs.Clear(); // the start-up warnings of an emulated node without a chain

        // Act
        await Parallel.ForAsync(0, Bodies, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = TaskTimeoutExtensions.DefaultTimeoutToken() },
            async (i, cancellationToken) => answers[i] = await CallAsync(invoker, Methods[bodies[i].Method], bodies[i].Body, cancellationToken));

        // Assert
        var withoutReason = answers.Select((a, i) => (a, i)).Where(x => x.a.Status != StatusCode.OK && string.IsNullOrEmpty(x.a.Reason))
            .Select(x => $"#{x.i} {Methods[bodies[x.i].Method].Name} ({bodies[x.i].Body.Length} bytes): {x.a.Status}").ToList();
        var reasons = answers.GroupBy(a => a.Reason ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        await TestContext.Out.WriteLineAsync(string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}")));
        Assert.That(withoutReason, Is.Empty, "every refusal carries a reason");
        Assert.That(answers.Count(a => a.Status == StatusCode.Unknown), Is.Zero);
        Assert.That(reasons.GetValueOrDefault(ReasonCodes.MalformedProtobuf), Is.GreaterThan(Bodies / 4), "most bodies do not parse");
        foreach (var (_, reason) in answers.Where(a => a.Reason is not null))
        {
            Assert.That(ReasonCodes.FindRefusal(reason), Is.Not.Null, $"{reason} is a listed refusal");
        }

        var noisy = Factory.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => $"[{r.Level}] {r.Category}: {r.Message}").Distinct().ToList();
        Assert.That(noisy, Is.Empty, "bad input is logged at most at Debug (Information at grpc-dotnet's own, filtered category)");
    }

    [TestCase(new byte[] { 0, 0, 0, 0, 100, 0x0a, 0x20, 1, 2, 3 }, StatusCode.InvalidArgument, ReasonCodes.MalformedFrame, TestName = "Frame_BodyEndsInsideTheFrame_MalformedFrame")]
    [TestCase(new byte[] { 1, 0, 0, 0, 2, 0x0a, 0x00 }, StatusCode.InvalidArgument, ReasonCodes.MalformedFrame, TestName = "Frame_CompressedWithoutEncoding_MalformedFrame")]
    [TestCase(new byte[] { 0, 0x7f, 0, 0, 0, 0x0a }, StatusCode.ResourceExhausted, ReasonCodes.MessageTooLarge, TestName = "Frame_LengthOverTheLimit_MessageTooLarge")]
    public async Task Frame_NotOneWholeMessage_RefusedWithReasonAsync(byte[] body, StatusCode status, string reason)
    {
        Factory.Logs.Clear();
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Factory.Endpoint, "/phala.worker.v1.Jobs/SubmitJob"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await http.SendAsync(request, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        _ = await response.Content.ReadAsByteArrayAsync(TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();

        Assert.That(Header(response, "grpc-status"), Is.EqualTo(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(Header(response, ReasonCodes.Trailer), Is.EqualTo(reason));
        Assert.That(Header(response, "grpc-message"), Does.StartWith(reason + ": "));
        Assert.That(Factory.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => r.Message), Is.Empty);
    }

    private static async Task<(StatusCode, string?)> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, byte[] body, CancellationToken cancellationToken)
    {
        var options = new CallOptions(cancellationToken: cancellationToken);
        try
        {
            if (method.Type == MethodType.Unary)
            {
                await invoker.AsyncUnaryCall(method, null, options, body);
            }
            else
            {
                using var call = invoker.AsyncServerStreamingCall(method, null, options, body);
                while (await call.ResponseStream.MoveNext(cancellationToken))
                {
                }
            }

            return (StatusCode.OK, null);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Trailers.GetValue(ReasonCodes.Trailer));
        }
    }

    /// <summary>One well-formed request per method (in <see cref="Methods"/> order), to cut short.</summary>
    private static byte[][] ValidRequests()
    {
        var id = RandomNumberGenerator.GetBytes(32);
        var envelope = new SealedEnvelope
        {
            Version = 1,
            Suite = new HpkeSuite { KemId = 0x20, KdfId = 1, AeadId = 3 },
            Enc = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
            Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(400)),
        };
        return
        [
            new GetAttestationRequest { Nonce = ByteString.CopyFrom(id) }.ToByteArray(),
            new SubmitJobRequest { JobId = ByteString.CopyFrom(id), Envelope = envelope }.ToByteArray(),
            new UploadModelRequest { UploadId = ByteString.CopyFrom(id), Envelope = envelope }.ToByteArray(),
            new GetResultRequest { JobId = ByteString.CopyFrom(id), AccessToken = ByteString.CopyFrom(id) }.ToByteArray(),
            new WatchJobRequest { JobId = ByteString.CopyFrom(id), AccessToken = ByteString.CopyFrom(id) }.ToByteArray(),
        ];
    }

    private static Method<byte[], byte[]> Unary(string service, string name) => new(MethodType.Unary, service, name, Raw, Raw);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? values.FirstOrDefault() : null;
}
