using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PhalaWorker.Testing.Anvil;

/// <summary>
/// A real anvil (deploy/node_modules/.bin/anvil) on a free 127.0.0.1 port, for tests and benchmarks.
/// Starts it, waits until its JSON-RPC answers (bounded), exposes the dev accounts, can kill and restart it on the
/// same port (with its state when <see cref="AnvilOptions.PersistState"/>), and always kills it on dispose.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable
{
    private const int MaxOutputChars = 64 * 1024;

    private readonly AnvilOptions _options;
    private readonly string _executable;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;

    private AnvilNode(AnvilOptions options, string executable, int port)
    {
        _options = options;
        _executable = executable;
        Port = port;
        _directory = Directory.CreateTempSubdirectory("phala-anvil-").FullName;
    }

    public int Port { get; }

    public Uri RpcUrl => new($"http://127.0.0.1:{Port}/");

    public ulong ChainId => _options.ChainId;

    /// <summary>The dev accounts' private keys (0x-hex), funded with 10000 ETH each.</summary>
    public IReadOnlyList<string> PrivateKeys { get; private set; } = [];

    /// <summary>The dev accounts' addresses (0x-hex), in the order of <see cref="PrivateKeys"/>.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What anvil printed (tail), for failure messages.</summary>
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

    /// <summary>Path of anvil under deploy/node_modules, found by walking up from <paramref name="start"/> (default: the test directory).</summary>
    public static string FindExecutable(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "node_modules", ".bin", "anvil");
            if (File.Exists(candidate))
            {
                return candidate;
            }

            if (File.Exists(Path.Combine(dir.FullName, "PhalaWorker.sln")))
            {
                throw new FileNotFoundException(
                    $"anvil is not installed under {Path.Combine(dir.FullName, "deploy", "node_modules")}; run 'cd deploy && npm ci --no-audit --no-fund'.",
                    candidate);
            }

            dir = dir.Parent;
        }

        throw new FileNotFoundException("Cannot find the repository root (PhalaWorker.sln) above " + (start ?? AppContext.BaseDirectory));
    }

    public static async Task<AnvilNode> StartAsync(AnvilOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AnvilOptions();
        var executable = FindExecutable();
        Exception? last = null;
        // Another process can take the free port between our probe and anvil's bind: try a few ports.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var node = new AnvilNode(options, executable, GetFreePort());
            try
            {
                await node.LaunchAsync(cancellationToken);
                return node;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
                await node.DisposeAsync();
            }
        }

        throw new InvalidOperationException("anvil did not start: " + last?.Message, last);
    }

    /// <summary>Kills anvil at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(cts.Token);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts anvil again on the same port (from its state file when <see cref="AnvilOptions.PersistState"/>).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Sends one raw JSON-RPC call and returns the result element (for test set-up: anvil_mine, evm_*).</summary>
    public async Task<JsonElement> RpcAsync(string method, string paramsJson = "[]", CancellationToken cancellationToken = default)
    {
        var body = $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{paramsJson}}}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(RpcUrl, content, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        if (doc.RootElement.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method}: {error.GetRawText()}");
        }

        return doc.RootElement.GetProperty("result").Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var configPath = Path.Combine(_directory, "config.json");
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var arg in new[] { "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--chain-id", _options.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--accounts", "10", "--config-out", configPath })
        {
            start.ArgumentList.Add(arg);
        }

        if (_options.BlockTime is { } blockTime)
        {
            start.ArgumentList.Add("--block-time");
            start.ArgumentList.Add(Math.Max(1, (int)blockTime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (_options.PersistState)
        {
            start.ArgumentList.Add("--state");
            start.ArgumentList.Add(Path.Combine(_directory, "state.json"));
            start.ArgumentList.Add("--state-interval");
            start.ArgumentList.Add("1");
        }

        foreach (var arg in _options.ExtraArguments)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        // A test host that dies without disposing must not leave anvil behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"anvil exited with code {process.ExitCode} on port {Port}: {Output}");
                }

                try
                {
                    var chainId = await RpcAsync("eth_chainId", cancellationToken: timeout.Token);
                    if (Convert.ToUInt64(chainId.GetString(), 16) != _options.ChainId)
                    {
                        throw new InvalidOperationException($"anvil on port {Port} reports chain id {chainId} instead of {_options.ChainId}");
                    }

                    if (File.Exists(configPath))
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!timeout.IsCancellationRequested)
                {
                    // One probe timed out; try again.
                }

                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await KillAsync();
            throw new TimeoutException($"anvil did not answer on port {Port} within {_options.StartTimeout}: {Output}");
        }
        catch
        {
            await KillAsync();
            throw;
        }

        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(configPath, cancellationToken));
        PrivateKeys = [.. config.RootElement.GetProperty("private_keys").EnumerateArray().Select(e => e.GetString()!)];
        Addresses = [.. config.RootElement.GetProperty("available_accounts").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone or disposed.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - (MaxOutputChars / 2));
            }

            _output.AppendLine(line);
        }
    }
}
