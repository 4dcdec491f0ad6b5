using System.Diagnostics;
using System.Text.Json;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Hosting;

/// <summary>
/// The agent as a real process (emulated TEE, no chain) with its HTTP/1.1 metrics port: <c>/healthz/live</c>,
/// <c>/healthz/ready</c> (each readiness input reported) and Prometheus <c>/metrics</c> with the documented names.
/// </summary>
public sealed class AgentMetricsProcessTests
{
    [Test]
    public async Task MetricsPort_ServesHealthAndPrometheusTextAsync()
    {
        using var directory = new TempDirectory("agent-metrics");
        var metricsPort = AgentExecutable.FreePort();
        var start = AgentExecutable.StartInfo(directory, ["--tee", "emulated", "--listen", $"https://127.0.0.1:{AgentExecutable.FreePort()}", "--metrics-listen", $"http://127.0.0.1:{metricsPort}"]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(5) };
        string output;
        try
        {
            var ready = await WaitReadyAsync(http, process);
            var live = await http.GetAsync(new Uri("/healthz/live", UriKind.Relative));
            var scrape = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            var text = await scrape.Content.ReadAsStringAsync();

            Assert.That((int)live.StatusCode, Is.EqualTo(200));
            using var readyJson = JsonDocument.Parse(ready);
            var checks = readyJson.RootElement.GetProperty("checks");
            Assert.That(checks.EnumerateObject().Select(c => c.Name), Is.EquivalentTo(new[] { "attested", "registered", "chain_reachable", "gpu_gate" }));
            Assert.That(checks.GetProperty("registered").GetProperty("description").GetString(), Is.EqualTo("no chain configured"));
            Assert.That((int)scrape.StatusCode, Is.EqualTo(200), text);
            Assert.That(scrape.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(text, Does.Contain("# TYPE phala_worker_jobs_queued gauge"));
            Assert.That(text, Does.Contain("\nphala_worker_jobs_queued{").Or.Contain("\nphala_worker_jobs_queued "));
            Assert.That(text, Does.Match(@"\nphala_worker_attestation_attested(\{[^}]*\})? 1\b"));
            Assert.That(text, Does.Contain("# TYPE phala_worker_attestation_collateral_expiry_seconds gauge"));
            Assert.That(text, Does.Not.Contain("phala.").And.Not.Contain("_milliseconds"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output = await stdout;
            await TestContext.Out.WriteLineAsync(output);
            await TestContext.Out.WriteLineAsync(await stderr);
        }

        ProcessLogAssert.VerifyNoErrors(output); // this test's own agent logged no Error
    }

    private static async Task<string> WaitReadyAsync(HttpClient http, Process process)
    {
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        while (true)
        {
            Assert.That(process.HasExited, Is.False, "the agent exited");
            try
            {
                var response = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative), timeout.Token);
                if ((int)response.StatusCode == 200)
                {
                    return await response.Content.ReadAsStringAsync(timeout.Token);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
