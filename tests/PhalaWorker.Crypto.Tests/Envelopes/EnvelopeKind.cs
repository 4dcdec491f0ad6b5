using PhalaWorker.Crypto.Envelopes;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Tests.Envelopes;

/// <summary>Binds the job and result envelopes to one signature so both run the same suite.</summary>
public sealed class EnvelopeKind
{
    public static readonly EnvelopeKind Job = new("job", "phala-worker/v1 job", JobEnvelope.Seal, JobEnvelope.Open);

    public static readonly EnvelopeKind Result = new("result", "phala-worker/v1 result", ResultEnvelope.Seal, ResultEnvelope.Open);

    private EnvelopeKind(string name, string info, SealFunc seal, OpenFunc open)
    {
        Name = name;
        Info = info;
        Seal = seal;
        Open = open;
    }

    public delegate HpkeSealed SealFunc(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> nodeAddress, ReadOnlySpan<byte> plaintext, HpkeAead aead);

    public delegate byte[] OpenFunc(X25519KeyPair key, ReadOnlySpan<byte> jobId, ReadOnlySpan<byte> nodeAddress, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ciphertext, HpkeAead aead);

    public static IEnumerable<EnvelopeKind> All => [Job, Result];

    public string Name { get; }

    public string Info { get; }

    public SealFunc Seal { get; }

    public OpenFunc Open { get; }

    public EnvelopeKind Other => this == Job ? Result : Job;

    public override string ToString() => Name;
}
