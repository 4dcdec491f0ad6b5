using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// Creates the node identity in memory, or — when <see cref="AgentOptions.IdentityPath"/> is set — keeps it in that file
/// (signing key ‖ HPKE private key, mode 0600) so that jobs sealed to the node before a restart still open afterwards.
/// The file must live on storage only the TD can read (an encrypted volume whose key the TD holds).
/// </summary>
internal sealed class NodeIdentityStore(IOptions<AgentOptions> options, ILogger<NodeIdentityStore> logger)
{
    private const int FileLength = NodeIdentity.SigningKeyLength + X25519KeyPair.KeyLength;

    public NodeIdentity LoadOrCreate()
    {
        var path = options.Value.IdentityPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return NodeIdentity.Generate();
        }

        var keys = File.Exists(path) ? File.ReadAllBytes(path) : null;
        try
        {
            if (keys is not null && keys.Length == FileLength && NodeIdentity.IsValidSigningKey(keys.AsSpan(0, NodeIdentity.SigningKeyLength)))
            {
                AgentLog.IdentityFile(logger, "loaded from", path);
                return NodeIdentity.FromKeys(keys.AsSpan(0, NodeIdentity.SigningKeyLength), X25519KeyPair.FromPrivateKey(keys.AsSpan(NodeIdentity.SigningKeyLength)));
            }

            if (keys is not null)
            {
                throw new InvalidOperationException($"the identity file {path} is malformed ({keys.Length} bytes); refusing to replace it");
            }

            keys = new byte[FileLength];
            do
            {
                RandomNumberGenerator.Fill(keys.AsSpan(0, NodeIdentity.SigningKeyLength));
            }
            while (!NodeIdentity.IsValidSigningKey(keys.AsSpan(0, NodeIdentity.SigningKeyLength)));
            RandomNumberGenerator.Fill(keys.AsSpan(NodeIdentity.SigningKeyLength));
            var identity = NodeIdentity.FromKeys(keys.AsSpan(0, NodeIdentity.SigningKeyLength), X25519KeyPair.FromPrivateKey(keys.AsSpan(NodeIdentity.SigningKeyLength)));
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(path, fileOptions))
            {
                file.Write(keys);
            }

            AgentLog.IdentityFile(logger, "created in", path);
            return identity;
        }
        finally
        {
            if (keys is not null)
            {
                CryptographicOperations.ZeroMemory(keys);
            }
        }
    }
}
