using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Testing;

namespace PhalaWorker.Attestation.Tests.Measurement;

public sealed class AgentDigestTests
{
    [Test]
    public void Compute_Directory_IsTheDocumentedManifestHash()
    {
        using var directory = new TempDirectory("agent-digest");
        Directory.CreateDirectory(directory.File("runtimes"));
        File.WriteAllBytes(directory.File("b.dll"), [1, 2, 3]);
        File.WriteAllBytes(directory.File(Path.Combine("runtimes", "a.so")), [4]);
        File.WriteAllText(directory.File("appsettings.json"), "{}");
        File.WriteAllText(directory.File("appsettings.Production.json"), "{}");
        File.WriteAllText(directory.File("phala-worker.db"), "journal");
        File.WriteAllText(directory.File("agent.log"), "log");

        var expected = new List<byte>("phala-worker/v1 agent manifest"u8.ToArray());
        foreach (var (path, content) in new[] { ("b.dll", new byte[] { 1, 2, 3 }), ("runtimes/a.so", new byte[] { 4 }) })
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)path.Length);
            expected.AddRange(length);
            expected.AddRange(Encoding.UTF8.GetBytes(path));
            expected.AddRange(SHA256.HashData(content));
        }

        Assert.That(AgentDigest.ManifestPaths(directory.Path), Is.EqualTo(new[] { "b.dll", "runtimes/a.so" }));
        Assert.That(AgentDigest.Compute(directory.Path), Is.EqualTo(SHA256.HashData(expected.ToArray())));
    }

    [Test]
    public void Compute_HostWritableFileChanged_SameDigest_BinaryChanged_Differs()
    {
        using var directory = new TempDirectory("agent-digest-change");
        File.WriteAllBytes(directory.File("PhalaWorker.Agent.dll"), [1]);
        File.WriteAllText(directory.File("appsettings.json"), "{}");
        var before = AgentDigest.Compute(directory.Path);

        File.WriteAllText(directory.File("appsettings.json"), "{\"Logging\":{}}");
        var settingsChanged = AgentDigest.Compute(directory.Path);
        File.WriteAllBytes(directory.File("Leak.dll"), [2]);
        var fileAdded = AgentDigest.Compute(directory.Path);

        Assert.That(settingsChanged, Is.EqualTo(before), "appsettings is host-writable and measured as settings instead");
        Assert.That(fileAdded, Is.Not.EqualTo(before));
    }

    [Test]
    public void Compute_MissingDirectory_Throws() =>
        Assert.Throws<DirectoryNotFoundException>(() => AgentDigest.Compute(Path.Combine(Path.GetTempPath(), "no-such-agent-dir-" + Guid.NewGuid())));
}
