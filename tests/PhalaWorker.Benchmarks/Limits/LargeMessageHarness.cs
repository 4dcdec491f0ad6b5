using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;
using PhalaWorker.Testing;
using AgentUnderLoad = PhalaWorker.Benchmarks.Jobs.JobLoadHarness.AgentUnderLoad;

namespace PhalaWorker.Benchmarks.Limits;

/// <summary>
/// <c>harness large-messages [--agent-dll PATH] [--rounds 4] [--calls 20] [--mib 60] [--settle 15] [--set Key=Value]...</c>:
/// whether the agent's memory returns to its baseline after messages near the 64 MiB limit (issue 11). The agent runs as
/// its own process (RA-TLS, emulated TEE, no chain); each round sends <c>--calls</c> concurrent calls of about
/// <c>--mib</c> MiB, in turn: a well-sealed SubmitJob whose model is not ONNX (opened, then refused MODEL_INVALID_MODEL), the
/// same with its ciphertext tampered (ENVELOPE_DECRYPTION_FAILED), a well-sealed UploadModel of a non-ONNX model, and one
/// over the limit (MESSAGE_TOO_LARGE). It prints the agent's resident memory (VmRSS, /proc/PID/status) before, after each
/// round, and after <c>--settle</c> seconds of quiet, with the reasons answered and the machine's load average.
/// </summary>
public sealed class LargeMessageHarness : IHarness
{
    public string Name => "large-messages";

    public async Task<int> RunAsync(string[] args)
    {
        var agentDll = Path.Combine(TestData.RepositoryRoot, "src", "PhalaWorker.Agent", "bin", "Release", "net10.0", "PhalaWorker.Agent.dll");
        var rounds = 4;
        var calls = 20;
        var mib = 60;
        var settle = 15;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Agent:Limits:RateLimitsEnabled"] = "false" };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--agent-dll": agentDll = args[++i]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--calls": calls = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--mib": mib = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--settle": settle = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--set":
                    var pair = args[++i].Split('=', 2);
                    settings[pair[0]] = pair[1];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument {args[i]}");
                    return 2;
            }
        }

        using var directory = new TempDirectory("large-messages");
        await using var agent = await AgentUnderLoad.StartAsync(agentDll, directory, settings);
        using var client = WorkerClient.Connect(agent.Endpoint);
        var node = await new NodeVerifier(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, TrustAnyMeasurement = true }).VerifyAsync();
        // Below the SDK for the call over the limit (the SDK's own send limit would refuse it before it leaves).
        using var raw = GrpcChannel.ForAddress(agent.Endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } },
            DisposeHttpClient = true,
            MaxSendMessageSize = null,
        });
        var bodies = Bodies(client, new PhalaWorker.Protocol.V1.Jobs.JobsClient(raw), node, mib);
        Console.WriteLine($"large-messages: {rounds} rounds of {calls} concurrent calls of ~{mib} MiB (+ one kind over 64 MiB); agent {agentDll}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}; settings: {string.Join(' ', settings.Select(s => $"{s.Key}={s.Value}"))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS before: {agent.RssMiB():F0} MiB"));
        for (var round = 1; round <= rounds; round++)
        {
            var stopwatch = Stopwatch.StartNew();
            var answers = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => CallAsync(bodies[i % bodies.Length])));
            var summary = string.Join(", ", answers.GroupBy(a => a).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: RSS {agent.RssMiB():F0} MiB after {stopwatch.Elapsed.TotalSeconds:F1} s; {summary}; load {LoadAverage()}"));
        }

        for (var waited = 0; waited < settle; waited += 5)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, settle - waited)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"settled {Math.Min(waited + 5, settle)} s: RSS {agent.RssMiB():F0} MiB"));
        }

        return 0;
    }

    private static async Task<string> CallAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "OK";
        }
        catch (WorkerClientException ex)
        {
            return ex.RpcReason ?? $"{ex.StatusCode} (no reason)";
        }
        catch (RpcException ex)
        {
            return ex.Trailers.GetValue(ReasonCodes.Trailer) ?? $"{ex.StatusCode} (no reason)";
        }
    }

    /// <summary>The four kinds of large call, each a fresh id per call (the bodies are built once).</summary>
    private static Func<Task>[] Bodies(WorkerClient client, PhalaWorker.Protocol.V1.Jobs.JobsClient raw, VerifiedNode node, int mib)
    {
        var model = new byte[mib << 20];
        RandomNumberGenerator.Fill(model);
        model[0] = 0xff; // not an ONNX ModelProto
        using var resultKey = PhalaWorker.Crypto.Keys.X25519KeyPair.Generate();
        var request = new JobRequest { Model = ByteString.CopyFrom(model), ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey), JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };
        var jobId = RandomNumberGenerator.GetBytes(32);
        var opened = JobSubmitter.Seal(node, jobId, request, new JobSpec([], []));
        var tampered = opened.Clone();
        var ciphertext = tampered.Envelope.Ciphertext.ToByteArray();
        ciphertext[^1] ^= 1;
        tampered.Envelope.Ciphertext = ByteString.CopyFrom(ciphertext);
        var uploadId = RandomNumberGenerator.GetBytes(32);
        var upload = new ModelUpload { Model = ByteString.CopyFrom(model), ModelSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) }.ToByteArray();
        var uploadRequest = new UploadModelRequest { UploadId = ByteString.CopyFrom(uploadId), Envelope = SealedEnvelopes.Create(ModelEnvelope.Seal(node.HpkePublicKey, uploadId, node.Address.AsSpan(), upload), PhalaWorker.Crypto.Hpke.HpkeAead.ChaCha20Poly1305) };
        var tooLarge = new SubmitJobRequest { JobId = ByteString.CopyFrom(jobId), Envelope = tampered.Envelope.Clone() };
        tooLarge.Envelope.Ciphertext = ByteString.CopyFrom(new byte[(64 << 20) + 1024]);
        return
        [
            () => client.SubmitJobAsync(opened),
            () => client.SubmitJobAsync(tampered),
            () => client.UploadModelAsync(uploadRequest),
            () => raw.SubmitJobAsync(tooLarge).ResponseAsync,
        ];
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
