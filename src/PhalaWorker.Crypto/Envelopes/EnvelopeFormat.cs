using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;

namespace PhalaWorker.Crypto.Envelopes;

/// <summary>
/// The shared shape of job and result envelopes: HPKE base mode with info = label and
/// aad = label ‖ job_id(32) ‖ node_address(20) (proto/README.md, "Job envelope"). The job id's length is defined here,
/// once, because the AAD binds it: the agent and the SDK both use <see cref="JobIdLength"/>.
/// </summary>
public static class EnvelopeFormat
{
    /// <summary>The length of a job id (<c>SubmitJobRequest.job_id</c> and every other <c>job_id</c>): 32 bytes.</summary>
    public const int JobIdLength = 32;

    /// <summary>The length of the node address bound in the AAD: 20 bytes.</summary>
    public const int NodeAddressLength = 20;

    internal static HpkeSealed Seal(ReadOnlySpan<byte> label, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> nodeAddress, ReadOnlySpan<byte> plaintext, HpkeAead aead)
    {
        Span<byte> aad = stackalloc byte[label.Length + JobIdLength + NodeAddressLength];
        WriteAad(label, jobId, nodeAddress, aad);
        return HpkeApi.Seal(recipientPublicKey, label, aad, plaintext, aead);
    }

    internal static byte[] Open(ReadOnlySpan<byte> label, X25519KeyPair recipient, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> nodeAddress, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ciphertext, HpkeAead aead)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        Span<byte> aad = stackalloc byte[label.Length + JobIdLength + NodeAddressLength];
        WriteAad(label, jobId, nodeAddress, aad);
        return HpkeApi.Open(recipient, enc, label, aad, ciphertext, aead);
    }

    /// <summary>aad = label ‖ job_id ‖ node_address; throws <see cref="ArgumentException"/> on wrong id lengths.</summary>
    internal static void WriteAad(ReadOnlySpan<byte> label, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> nodeAddress, Span<byte> aad)
    {
        if (jobId.Length != JobIdLength)
        {
            throw new ArgumentException($"A job id is {JobIdLength} bytes, got {jobId.Length}.", nameof(jobId));
        }

        if (nodeAddress.Length != NodeAddressLength)
        {
            throw new ArgumentException($"A node address is {NodeAddressLength} bytes, got {nodeAddress.Length}.", nameof(nodeAddress));
        }

        label.CopyTo(aad);
        jobId.CopyTo(aad[label.Length..]);
        nodeAddress.CopyTo(aad[(label.Length + JobIdLength)..]);
    }
}
