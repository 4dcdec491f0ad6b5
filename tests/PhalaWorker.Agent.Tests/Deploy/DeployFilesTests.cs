using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PhalaWorker.Testing;
using YamlDotNet.RepresentationModel;

namespace PhalaWorker.Agent.Tests.Deploy;

/// <summary>
/// The packaging under deploy/: compose files, the Helm chart, the Dockerfile, the systemd unit and its installer, the
/// Grafana dashboard. <c>docker compose</c> and <c>helm</c> are not installable here (neither is a Debian package or on
/// NuGet/npm, and nothing else can be downloaded), so the YAML is parsed with YamlDotNet and the required keys checked;
/// Helm templates are first reduced to YAML by replacing each <c>{{ … }}</c> action with a placeholder.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static string DeployPath(params string[] parts) => Path.Combine([TestData.RepositoryRoot, "deploy", .. parts]);

    [Test]
    public void ComposeDevnet_AnvilRegistryAgentWithKeyFromSecretFile()
    {
        var root = LoadYaml(File.ReadAllText(DeployPath("compose", "compose.devnet.yaml")));
        var services = Map(root, "services");

        Assert.That(services.Children.Keys.Select(k => k.ToString()), Is.EquivalentTo(new[] { "anvil", "registry", "agent" }));
        var agent = Map(services, "agent");
        var environment = Map(agent, "environment");
        Assert.That(Scalar(environment, "Registry__OperatorKeyFile"), Is.EqualTo("/run/secrets/operator-key"));
        Assert.That(environment.Children.Keys.Select(k => k.ToString()), Has.None.EqualTo("Registry__OperatorKey"));
        Assert.That(Scalar(environment, "Chain__RpcUrl"), Is.EqualTo("http://anvil:8545"));
        Assert.That(Scalar(Map(Map(agent, "depends_on"), "registry"), "condition"), Is.EqualTo("service_completed_successfully"));
        Assert.That(Scalar(Map(Map(services, "registry"), "build"), "target"), Is.EqualTo("cli"));
        Assert.That(Scalar(Map(agent, "build"), "target"), Is.EqualTo("agent"));
        var secrets = Map(root, "secrets");
        foreach (var secret in secrets.Children.Values.Cast<YamlMappingNode>())
        {
            Assert.That(File.Exists(DeployPath("compose", Scalar(secret, "file"))), Is.True, Scalar(secret, "file"));
        }
    }

    [Test]
    public void ComposeAgent_RequiresChainSettingsAndTdxDevice()
    {
        var text = File.ReadAllText(DeployPath("compose", "compose.agent.yaml"));
        var services = Map(LoadYaml(text), "services");

        Assert.That(services.Children.Keys.Select(k => k.ToString()), Is.EquivalentTo(new[] { "agent" }));
        var agent = Map(services, "agent");
        Assert.That(Scalar(Map(agent, "environment"), "Registry__OperatorKeyFile"), Is.EqualTo("/run/secrets/operator-key"));
        Assert.That(Sequence(agent, "devices").Select(d => d.ToString()), Does.Contain("/dev/tdx_guest:/dev/tdx_guest"));
        // ${VAR:?message} makes compose refuse to start without the chain settings.
        Assert.That(text, Does.Contain("${PHALA_RPC_URL:?").And.Contain("${PHALA_REGISTRY:?").And.Contain("${PHALA_PUBLIC_ENDPOINT:?"));
    }

    [Test]
    public void Helm_DaemonSetProbesEndpointAndOptionalKey()
    {
        var template = File.ReadAllText(DeployPath("helm", "phala-worker", "templates", "daemonset.yaml"));
        var daemonSet = LoadYaml(RenderForParse(template));
        var container = (YamlMappingNode)Sequence(Map(Map(Map(daemonSet, "spec"), "template"), "spec"), "containers")[0];
        var env = Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => e);

        Assert.That(Scalar(daemonSet, "kind"), Is.EqualTo("DaemonSet"));
        Assert.That(env.Keys, Does.Contain("Agent__MetricsListen").And.Contain("Registry__OperatorKeyFile").And.Not.Contain("Registry__OperatorKey"));
        Assert.That(Scalar(Map(Map(container, "livenessProbe"), "httpGet"), "path"), Is.EqualTo("/healthz/live"));
        Assert.That(Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "path"), Is.EqualTo("/healthz/ready"));
        Assert.That(template, Does.Contain("printf \"https://$(NODE_IP):%v\""), "the registered endpoint must be an https:// (RA-TLS) URL");
        Assert.That(env.Keys.ToList().IndexOf("NODE_IP"), Is.LessThan(env.Keys.ToList().IndexOf("Agent__PublicEndpoint")), "$(NODE_IP) expands only if defined earlier");
        // The key Secret is referenced only inside `if .Values.registry.rpcUrl` blocks.
        foreach (Match use in SecretUse().Matches(template))
        {
            var before = template[..use.Index];
            Assert.That(before.LastIndexOf("{{- if .Values.registry.rpcUrl }}", StringComparison.Ordinal), Is.GreaterThan(before.LastIndexOf("{{- end }}", StringComparison.Ordinal)), use.Value);
        }
    }

    [Test]
    public void Helm_ServiceNotesAndRecommendedLabels()
    {
        var chart = DeployPath("helm", "phala-worker");
        var service = LoadYaml(RenderForParse(File.ReadAllText(Path.Combine(chart, "templates", "service.yaml"))));
        var helpers = File.ReadAllText(Path.Combine(chart, "templates", "_helpers.tpl"));
        var values = LoadYaml(File.ReadAllText(Path.Combine(chart, "values.yaml")));
        LoadYaml(File.ReadAllText(Path.Combine(chart, "Chart.yaml")));

        Assert.That(Scalar(service, "kind"), Is.EqualTo("Service"));
        Assert.That(Sequence(Map(service, "spec"), "ports").Cast<YamlMappingNode>().Select(p => Scalar(p, "name")), Is.EquivalentTo(new[] { "grpc", "metrics" }));
        Assert.That(File.Exists(Path.Combine(chart, "templates", "NOTES.txt")), Is.True);
        foreach (var label in new[] { "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "helm.sh/chart" })
        {
            Assert.That(helpers, Does.Contain(label + ":"), label);
        }

        Assert.That(Scalar(Map(values, "registry"), "rpcUrl"), Is.Empty, "no chain by default, so no Secret is needed");
        Assert.That(Scalar(Map(values, "agent"), "tee"), Is.EqualTo("auto"));
    }

    [Test]
    public void Dockerfile_NonRootVolumeHealthcheckKeyFromFile()
    {
        var dockerfile = File.ReadAllText(DeployPath("container", "Dockerfile"));
        var ignore = File.ReadAllLines(Path.Combine(TestData.RepositoryRoot, ".dockerignore"));

        Assert.That(dockerfile, Does.Contain("FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble").And.Contain("Ubuntu 24.04"));
        Assert.That(dockerfile, Does.Contain("chown app:app /var/lib/phala-worker").And.Contain("VOLUME /var/lib/phala-worker").And.Contain("USER app"));
        Assert.That(dockerfile, Does.Contain("HEALTHCHECK").And.Contain("/healthz/ready"));
        Assert.That(dockerfile, Does.Contain("Registry__OperatorKeyFile").And.Not.Contain("Registry__OperatorKey="));
        Assert.That(dockerfile, Does.Contain("test -f /app/libphala_tee.so"));
        Assert.That(ignore, Does.Contain("**/bin").And.Contain("**/obj").And.Contain("**/node_modules").And.Contain(".git"));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Systemd_NotifyWatchdogAndInstallerCreatesWhatTheUnitNeedsAsync()
    {
        Assume.That(OperatingSystem.IsLinux(), "the installer and the unit are for Linux");
        var unit = await File.ReadAllTextAsync(DeployPath("systemd", "phala-worker.service"));
        Assert.That(unit, Does.Contain("Type=notify").And.Contain("WatchdogSec=").And.Contain("SupplementaryGroups=tdx").And.Contain("LoadCredential=operator-key:"));

        // A staged install (--root) of a fake publish output: the directories, the unit and the udev rule for the tdx group.
        using var publish = new TempDirectory("install-from");
        using var root = new TempDirectory("install-root");
        await File.WriteAllTextAsync(publish.File("PhalaWorker.Agent.dll"), "stand-in");
        await File.WriteAllTextAsync(publish.File("libphala_tee.so"), "stand-in");
        var (exit, output) = await RunAsync("bash", DeployPath("systemd", "install.sh"), "--from", publish.Path, "--root", root.Path, "--no-start");

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(File.Exists(Path.Combine(root.Path, "opt", "phala-worker", "libphala_tee.so")), Is.True);
        Assert.That(File.Exists(Path.Combine(root.Path, "etc", "systemd", "system", "phala-worker.service")), Is.True);
        Assert.That(await File.ReadAllTextAsync(Path.Combine(root.Path, "etc", "udev", "rules.d", "70-phala-worker-tdx.rules")), Does.Contain("GROUP=\"tdx\""));
        Assert.That(File.GetUnixFileMode(Path.Combine(root.Path, "var", "lib", "phala-worker")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(File.GetUnixFileMode(Path.Combine(root.Path, "etc", "phala-worker", "operator.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var (missingExit, missingOutput) = await RunAsync("bash", DeployPath("systemd", "install.sh"), "--from", root.Path, "--root", root.Path, "--no-start");
        Assert.That(missingExit, Is.EqualTo(2));
        Assert.That(missingOutput, Does.Contain("libphala_tee.so"));
    }

    [Test]
    public void Grafana_DashboardQueriesTheDocumentedMetrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DeployPath("grafana", "phala-worker.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();

        foreach (var metric in new[]
        {
            "phala_worker_jobs_finished_total", "phala_worker_job_duration_seconds_bucket", "phala_worker_jobs_queued", "phala_worker_receipts_pending",
            "phala_worker_batch_lag_seconds_bucket", "phala_worker_chain_gas_used_total", "phala_worker_attestation_collateral_expiry_seconds",
        })
        {
            Assert.That(expressions, Has.Some.Contains(metric), metric);
        }
    }

    /// <summary>Helm template → parseable YAML: action-only lines dropped, include/toYaml lines become a placeholder key, other actions a placeholder value.</summary>
    private static string RenderForParse(string template)
    {
        var lines = new List<string>();
        foreach (var line in template.Split('\n'))
        {
            var trimmed = line.Trim();
            if (ControlLine().IsMatch(trimmed))
            {
                continue;
            }

            if (trimmed.StartsWith("{{- include", StringComparison.Ordinal) || trimmed.StartsWith("{{- toYaml", StringComparison.Ordinal))
            {
                lines.Add(line[..(line.Length - line.TrimStart().Length)] + "rendered: placeholder");
                continue;
            }

            lines.Add(Action().Replace(line, "placeholder"));
        }

        return string.Join('\n', lines);
    }

    private static YamlMappingNode LoadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) => (YamlSequenceNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value ?? "";

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().DefaultTimeout();
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^\{\{-?\s*(if|else|end|with|range)\b.*\}\}$")]
    private static partial Regex ControlLine();

    [GeneratedRegex(@"\{\{.*?\}\}")]
    private static partial Regex Action();

    [GeneratedRegex(@"operator-key|operatorKeySecret")]
    private static partial Regex SecretUse();
}
