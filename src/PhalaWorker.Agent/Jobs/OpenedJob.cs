using PhalaWorker.Agent.Startup;
using PhalaWorker.Compute;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// A job whose envelope was opened (once, at SubmitJob) and whose model is loaded: what the runner needs, kept in the TD's
/// memory between acceptance and run so that the envelope is not opened twice.
/// </summary>
internal sealed record OpenedJob(
    byte[] JobId,
    JobRequest Request,
    ComputeModel Model,
    Hash32 ModelId,
    HpkeAead Aead,
    NodeAttestation Attestation,
    byte[] AccessTokenHash)
{
    /// <summary>Roughly what the job holds in memory (the plaintext request).</summary>
    public long Bytes { get; } = Request.CalculateSize();
}
