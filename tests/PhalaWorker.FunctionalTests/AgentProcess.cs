using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The agent as a real process (<c>dotnet PhalaWorker.Agent.dll</c> from its own build output) on a free loopback port,
/// with its output captured; started and awaited until gRPC health says SERVING; killed hard to simulate a crash, or stopped with SIGTERM.
/// Each agent is remembered under the test that started it: that test's <c>[TearDown]</c> calls
/// <see cref="VerifyNoErrorsInCurrentTest"/>, so an Error in an agent's log fails the test that ran it.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<AgentProcess>> StartedByTest = new(StringComparer.Ordinal);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Endpoint { get; }

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

    /// <summary>The agent build these tests run (<see cref="AgentBuild.AgentDll"/>).</summary>
    public static string AgentDll => AgentBuild.AgentDll;

    public static async Task<AgentProcess> StartAsync(TempDirectory directory, IReadOnlyDictionary<string, string?> settings, int? port, CancellationToken cancellationToken, string? agentDll = null)
    {
        var listenPort = port ?? AgentBuild.FreeLoopbackPort();
        // RA-TLS unless the settings choose plaintext h2c.
        var plaintext = settings.TryGetValue("Agent:TlsMode", out var mode) && mode == "plaintext";
        var endpoint = new Uri($"{(plaintext ? "http" : "https")}://127.0.0.1:{listenPort}");
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Registry:BatchSize"] = "1",
            ["Registry:BatchMaxAge"] = "00:00:00.200",
        };
        var start = AgentBuild.EmulatedAgentStartInfo(agentDll ?? AgentDll, directory, endpoint, defaults, settings);

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var agent = new AgentProcess(process, endpoint);
        StartedByTest.GetOrAdd(TestContext.CurrentContext.Test.ID, _ => new ConcurrentQueue<AgentProcess>()).Enqueue(agent);
        try
        {
            await agent.WaitServingAsync(cancellationToken);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// For a fixture's <c>[TearDown]</c>: fails the current test when an agent it started logged an Error (or worse) that
    /// <paramref name="expected"/> does not accept (<see cref="ProcessLogAssert"/>), and forgets those agents.
    /// </summary>
    public static void VerifyNoErrorsInCurrentTest(Func<ProcessLogRecord, bool>? expected = null)
    {
        if (!StartedByTest.TryRemove(TestContext.CurrentContext.Test.ID, out var agents))
        {
            return;
        }

        var number = 0;
        foreach (var agent in agents)
        {
            number++;
            ProcessLogAssert.VerifyNoErrors(agent.Output, expected, $"agent process #{number} of this test");
        }
    }

    /// <summary>SIGKILL: no graceful shutdown, like a crash or a power cut.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGTERM (what <c>systemctl stop</c> and container runtimes send; <see cref="Process.Kill()"/> would be SIGKILL), then
    /// waits for the exit and returns its code.
    /// </summary>
    public async Task<int> TerminateAsync(CancellationToken cancellationToken)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start"))
        {
            await kill.WaitForExitAsync(cancellationToken);
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -TERM {_process.Id} exited with {kill.ExitCode}");
            }
        }

        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task WaitServingAsync(CancellationToken cancellationToken)
    {
        // Health only (nothing job-related): any certificate will do; the tests' own clients pin the attested key.
        using var channel = GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } },
            DisposeHttpClient = true,
        });
        var health = new Health.HealthClient(channel);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                var reply = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: attempt.Token);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }

            await Task.Delay(200, cancellationToken);
        }
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
