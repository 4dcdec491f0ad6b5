using System.Diagnostics;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Contracts;

/// <summary>The committed ABI and bytecode are what deploy/contracts/build.sh produces from NodeRegistry.sol.</summary>
[Category("Solc")]
public sealed class NodeRegistryBuildTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PhalaWorker.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root (PhalaWorker.sln) not found above the test directory.");
    }

    [Test]
    public async Task BuildScript_Rebuild_MatchesCommittedArtefactsAsync()
    {
        var root = RepoRoot();
        var solc = Path.Combine(root, "deploy", "node_modules", "solc");
        Assert.That(Directory.Exists(solc), Is.True, $"solc-js is not installed at {solc}: run 'cd deploy && npm ci --no-audit --no-fund' (the test command does).");
        var output = Directory.CreateTempSubdirectory("phala-solc-");
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(root, "deploy", "contracts", "build.sh"));
            start.ArgumentList.Add(output.FullName);
            using var process = Process.Start(start)!;
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            await process.StandardOutput.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);

            Assert.That(process.ExitCode, Is.Zero, await stderr);
            var committed = Path.Combine(root, "deploy", "contracts", "build");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(output.FullName, "NodeRegistry.abi")), Is.EqualTo(await File.ReadAllTextAsync(Path.Combine(committed, "NodeRegistry.abi"))), "ABI differs: run deploy/contracts/build.sh and commit");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(output.FullName, "NodeRegistry.bin")), Is.EqualTo(await File.ReadAllTextAsync(Path.Combine(committed, "NodeRegistry.bin"))), "bytecode differs: run deploy/contracts/build.sh and commit");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Test]
    public async Task EmbeddedResources_EqualCommittedArtefactsAsync()
    {
        var committed = Path.Combine(RepoRoot(), "deploy", "contracts", "build");

        Assert.That(NodeRegistryContract.AbiJson, Is.EqualTo(await File.ReadAllTextAsync(Path.Combine(committed, "NodeRegistry.abi"))));
        Assert.That(Hex.Encode(NodeRegistryContract.Bytecode.Span, prefix: false) + "\n", Is.EqualTo(await File.ReadAllTextAsync(Path.Combine(committed, "NodeRegistry.bin"))));
    }
}
