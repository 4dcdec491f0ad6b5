using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PhalaWorker.Attestation.Measurement;

/// <summary>
/// The digest of the agent's published binaries, measured into RTMR3 as the <c>agent-digest</c> event (proto/README.md):
/// <code>
/// files       = every regular file under the agent's app directory, recursively, except the host-writable ones
///               (appsettings*.json, *.log, *.db, *.db-wal, *.db-shm, *.db-journal, anything under logs/)
/// path        = the file's path relative to the directory, '/' separators, UTF-8
/// manifest    = for each file in ordinal order of path:  u32be(len(path)) ‖ path ‖ SHA-256(file contents)
/// agentDigest = SHA-256( ASCII "phala-worker/v1 agent manifest" ‖ manifest )
/// </code>
/// The agent always measures its own <see cref="AppContext.BaseDirectory"/> (never a configured path: the host controls
/// configuration); <c>phala-worker measurements show --agent-dir DIR</c> computes the reference value of a release.
/// </summary>
public static class AgentDigest
{
    /// <summary>Length of the digest.</summary>
    public const int Length = 32;

    private static readonly string[] ExcludedExtensions = [".log", ".db", ".db-wal", ".db-shm", ".db-journal"];

    /// <summary>True when <paramref name="relativePath"/> ('/' separators) is host-writable and so not measured.</summary>
    public static bool IsExcluded(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        if (relativePath.StartsWith("logs/", StringComparison.Ordinal) || relativePath.Contains("/logs/", StringComparison.Ordinal))
        {
            return true;
        }

        if (name.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return ExcludedExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The measured files of <paramref name="directory"/>, relative paths in ordinal order.</summary>
    public static IReadOnlyList<string> ManifestPaths(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"the agent directory {root} does not exist");
        }

        var paths = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!IsExcluded(relative))
            {
                paths.Add(relative);
            }
        }

        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <summary>Computes the agent digest of <paramref name="directory"/>.</summary>
    public static byte[] Compute(string directory)
    {
        var root = Path.GetFullPath(directory);
        using var manifest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        manifest.AppendData("phala-worker/v1 agent manifest"u8);
        Span<byte> length = stackalloc byte[4];
        foreach (var relative in ManifestPaths(root))
        {
            var pathBytes = Encoding.UTF8.GetBytes(relative);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)pathBytes.Length);
            manifest.AppendData(length);
            manifest.AppendData(pathBytes);
            using var stream = File.OpenRead(Path.Combine(root, relative));
            manifest.AppendData(SHA256.HashData(stream));
        }

        return manifest.GetHashAndReset();
    }
}
