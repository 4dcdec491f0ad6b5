using System.Diagnostics;
using System.Globalization;
using System.Text;
using PhalaWorker.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.Benchmarks.Jobs;

/// <summary>
/// <c>harness job-load [--agent-dll PATH] [--inline] [--stream] [--concurrency 1,8,32,128] [--jobs N] [--seconds S] [--warmup S] [--set Key=Value]...</c>:
/// whole encrypted tiny_mlp jobs against the agent as a real process on loopback (emulated TEE, CPU backend, no chain):
/// each job is sealed, submitted, watched to its end, fetched with GetResult, opened and its receipt verified, as
/// <see cref="JobSubmitter"/> does for a submitter. For each concurrency it reports p50/p99 latency, jobs/s, the agent's CPU
/// per job (utime+stime of the agent process from /proc), the client's (this process, which shares the cores) and the agent's
/// resident memory, with the machine's load average. Each level follows a warm-up by time (<c>--warmup</c>, default 8 s).
/// <c>--stream</c> sends the jobs on one RunJobs call (<see cref="JobSubmitterOptions.StreamJobs"/>) instead of SubmitJob + GetResult each.
/// By default models travel by reference (uploaded once); <c>--inline</c> carries the model in every job (and is the only
/// form an agent from before UploadModel understands, so <c>--agent-dll</c> of such a build with <c>--inline</c> gives the
/// "before" figures; add <c>--old-receipts</c>: such an agent salts the model's bytes rather than its content address, so the
/// SDK's model-hash check fails after the whole job ran, and the job is counted as done).
/// </summary>
public sealed class JobLoadHarness : IHarness
{
    public string Name => "job-load";

    public async Task<int> RunAsync(string[] args)
    {
        var agentDll = AgentBuild.AgentDll;
        var inline = false;
        var stream = false;
        var oldReceipts = false;
        int[] levels = [1, 8, 32, 128];
        var maxJobs = 100_000;
        var seconds = 5.0;
        var warmupSeconds = 8.0;
        // One load client from one address would measure the per-client limits (README "Limits"), not the node:
        // they are off here unless --set turns them on again.
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Agent:Limits:RateLimitsEnabled"] = "false" };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--agent-dll": agentDll = args[++i]; break;
                case "--inline": inline = true; break;
                case "--stream": stream = true; break;
                case "--old-receipts": oldReceipts = true; break;
                case "--concurrency": levels = args[++i].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--jobs": maxJobs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmupSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--set":
                    var pair = args[++i].Split('=', 2);
                    settings[pair[0]] = pair[1];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument {args[i]}");
                    return 2;
            }
        }

        using var directory = new TempDirectory("job-load");
        await using var agent = await AgentUnderLoad.StartAsync(agentDll, directory, settings);
        // RA-TLS, as a default submitter: the verifier pins the attested TLS key before any job is sent.
        using var client = WorkerClient.Connect(agent.Endpoint);
        var node = await new NodeVerifier(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, TrustAnyMeasurement = true }).VerifyAsync();
        var submitter = new JobSubmitter(client, options: new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero, StreamJobs = stream });
        var model = TestData.ReadBytes("onnx", "models", "tiny_mlp", "model.onnx");
        var input = TestData.ReadBytes("onnx", "models", "tiny_mlp", "test_data_set_0", "input_0.pb");
        var spec = new JobSpec(model, [("x", input)]) { ModelTransfer = inline ? ModelTransfer.Inline : ModelTransfer.Reference };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"job-load: tiny_mlp ({model.Length} B model), {(inline ? "model inline in every job" : "model by reference (uploaded once)")}, agent {agentDll}"));
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()} at start; settings: {(settings.Count == 0 ? "defaults" : string.Join(' ', settings.Select(s => $"{s.Key}={s.Value}")))}");
        Console.WriteLine($"agent RSS after start: {agent.RssMiB():F0} MiB");
        // Warm up by time, not by count: on two cores .NET's tiered JIT (tier 0, instrumented, then tier 1 in the
        // background) takes seconds to settle on both sides; measured before it settles, a level measures the JIT.
        var warmup = await RunLevelAsync(submitter, node, spec, 8, int.MaxValue, warmupSeconds, agent, oldReceipts);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warmup.Jobs} jobs in {warmupSeconds:F0} s at concurrency 8 ({warmup.AgentCpuPerJobMs:F3} ms agent CPU/job, JIT included)"));
        Console.WriteLine("concurrency   jobs   failed   jobs/s    p50 ms    p99 ms   agent CPU/job ms   client CPU/job ms   agent RSS MiB   load avg");
        foreach (var concurrency in levels)
        {
            var r = await RunLevelAsync(submitter, node, spec, concurrency, maxJobs, seconds, agent, oldReceipts);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{concurrency,11} {r.Jobs,6} {r.Failed,8} {r.JobsPerSecond,8:F0} {r.P50Ms,9:F2} {r.P99Ms,9:F2} {r.AgentCpuPerJobMs,18:F3} {r.ClientCpuPerJobMs,19:F3} {agent.RssMiB(),15:F0}   {LoadAverage()}"));
            foreach (var (reason, count) in r.Errors.OrderByDescending(e => e.Value).Take(3))
            {
                Console.WriteLine($"            {count} x {reason}");
            }
        }

        return 0;
    }

    private static async Task<LevelResult> RunLevelAsync(JobSubmitter submitter, VerifiedNode node, JobSpec spec, int concurrency, int maxJobs, double seconds, AgentUnderLoad agent, bool oldReceipts)
    {
        var latencies = new List<double>(Math.Min(maxJobs, 1 << 16));
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        var started = 0;
        var failed = 0;
        var deadline = Stopwatch.StartNew();
        var cpuBefore = agent.CpuSeconds();
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref started) <= maxJobs && deadline.Elapsed.TotalSeconds < seconds)
            {
                var t = Stopwatch.GetTimestamp();
                try
                {
                    var outcome = await submitter.RunAsync(node, spec);
                    var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                    }
                }
                catch (WorkerClientException ex) when (oldReceipts && ex.Reason == WorkerClientErrorReason.ReceiptInvalid && ex.Message.Contains("model hash", StringComparison.Ordinal))
                {
                    // An agent from before models by reference salts the model's bytes, not its content address: the whole
                    // job ran (sealed, submitted, watched, fetched, opened); only the model-hash comparison differs.
                    var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                    }
                }
                catch (WorkerClientException ex)
                {
                    Interlocked.Increment(ref failed);
                    lock (errors)
                    {
                        var key = ex.RpcReason ?? ex.Reason.ToString();
                        errors[key] = errors.GetValueOrDefault(key) + 1;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync)));
        var elapsed = deadline.Elapsed.TotalSeconds;
        var cpu = agent.CpuSeconds() - cpuBefore;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
        latencies.Sort();
        var done = latencies.Count;
        return new LevelResult(
            done,
            failed,
            done / elapsed,
            done == 0 ? double.NaN : latencies[(int)(0.50 * (done - 1))],
            done == 0 ? double.NaN : latencies[(int)(0.99 * (done - 1))],
            done == 0 ? double.NaN : cpu * 1000 / done,
            done == 0 ? double.NaN : clientCpu * 1000 / done,
            errors);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed record LevelResult(int Jobs, int Failed, double JobsPerSecond, double P50Ms, double P99Ms, double AgentCpuPerJobMs, double ClientCpuPerJobMs, Dictionary<string, int> Errors);

    /// <summary>The agent as its own process (so that its CPU and memory are its own) on a free loopback port.</summary>
    internal sealed class AgentUnderLoad : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private AgentUnderLoad(Process process, Uri endpoint)
        {
            _process = process;
            Endpoint = endpoint;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Uri Endpoint { get; }

        public static async Task<AgentUnderLoad> StartAsync(string agentDll, TempDirectory directory, IReadOnlyDictionary<string, string> settings)
        {
            if (!File.Exists(agentDll))
            {
                throw new FileNotFoundException("build src/PhalaWorker.Agent -c Release first", agentDll);
            }

            // The agent's default transport (RA-TLS); --set Agent:TlsMode=plaintext is refused by the default verifier below.
            var endpoint = new Uri($"https://127.0.0.1:{AgentBuild.FreeLoopbackPort()}");
            var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Agent:MaxQueuedJobs"] = "1024",
                ["Compute:Backend"] = "cpu",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            var start = AgentBuild.EmulatedAgentStartInfo(agentDll, directory, endpoint, defaults, settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
            var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
            var agent = new AgentUnderLoad(process, endpoint);
            using var client = WorkerClient.Connect(endpoint);
            var until = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited || until.Elapsed > TimeSpan.FromSeconds(60))
                {
                    await agent.DisposeAsync();
                    throw new InvalidOperationException($"the agent did not start:\n{agent.Output}");
                }

                try
                {
                    await client.GetAttestationAsync(new byte[32]);
                    return agent;
                }
                catch (WorkerClientException)
                {
                    await Task.Delay(200);
                }
            }
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>utime + stime of the agent process (/proc/PID/stat, clock ticks of 1/100 s).</summary>
        public double CpuSeconds()
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        public double RssMiB()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }

            return double.NaN;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
