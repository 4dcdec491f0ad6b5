using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PhalaWorker.Testing;

/// <summary>
/// The built agent as the tests and harnesses run it as a real process: where its DLL is, a free loopback port, and the
/// start info of an emulated-TEE agent on one endpoint with its journal in a temp directory.
/// </summary>
public static class AgentBuild
{
    /// <summary>
    /// <c>src/PhalaWorker.Agent/bin/&lt;Configuration&gt;/net10.0/PhalaWorker.Agent.dll</c>, in the configuration the calling
    /// test assembly was built in (<c>tests/X/bin/&lt;Configuration&gt;/net10.0/</c>); throws when it is not built.
    /// </summary>
    public static string AgentDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var path = Path.Combine(TestData.RepositoryRoot, "src", "PhalaWorker.Agent", "bin", configuration, "net10.0", "PhalaWorker.Agent.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"build src/PhalaWorker.Agent -c {configuration} first", path);
        }
    }

    /// <summary>A loopback TCP port nothing listens on at the moment of the call.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// <c>dotnet AGENT --tee emulated --listen ENDPOINT --journal DIR/journal.db</c> in <paramref name="directory"/>, output
    /// redirected, in the Production environment without a metrics port (parallel agents would share 9464); then
    /// <paramref name="defaults"/> and <paramref name="settings"/> (later wins) as <c>Section__Key</c> environment variables.
    /// </summary>
    public static ProcessStartInfo EmulatedAgentStartInfo(
        string agentDll, TempDirectory directory, Uri endpoint, IReadOnlyDictionary<string, string> defaults, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(settings);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        foreach (var arg in (string[])[agentDll, "--tee", "emulated", "--listen", endpoint.ToString().TrimEnd('/'), "--journal", directory.File("journal.db")])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Agent__MetricsListen"] = "";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in defaults.Select(d => KeyValuePair.Create(d.Key, (string?)d.Value)).Concat(settings))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }
}
