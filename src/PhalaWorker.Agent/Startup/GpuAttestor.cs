using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Attestation.Measurement;
using RemoteEvidence = PhalaWorker.Attestation.Gpu.Evidence.NvidiaRemoteEvidence;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// The agent's GPU attestation. At start, the fail-closed gate (<see cref="PreflightAsync"/> before the boot evidence is
/// collected, <see cref="VerifyBootEvidenceAsync"/> after): a <c>cuda</c> backend needs the <c>nvml</c> provider (or
/// <c>emulated</c> under the emulated TEE); with <c>nvml</c> the provider's CC gate must pass and the boot evidence must
/// verify under the agent's <see cref="GpuAttestationPolicy"/> (strict unless <c>Attestation:GpuPolicy</c> names a file)
/// with collateral from the <see cref="GpuCollateralFetcher"/>; only then are the GPUs set ready. Otherwise the agent does
/// not start. Per request, <see cref="CollectFreshAsync"/> collects evidence for the <see cref="GpuEvidenceBinding"/> nonce,
/// staples the collateral and signs the binding digest with the node key.
/// </summary>
internal sealed class GpuAttestor(
    IGpuEvidenceProvider provider,
    GpuCollateralFetcher collateralFetcher,
    IOptions<AttestationOptions> options,
    TimeProvider timeProvider,
    ILogger<GpuAttestor> logger)
{
    /// <summary>The compute backend that runs jobs on NVIDIA GPUs.</summary>
    public const string CudaBackend = "cuda";

    /// <summary>True when the node publishes GPU evidence (any provider but <c>none</c>).</summary>
    public bool Enabled => provider is not NoGpuEvidenceProvider;

    /// <summary>The provider's name, for logs.</summary>
    public string ProviderName => provider.Name;

    /// <summary>
    /// The measured <c>attestation.gpu-policy</c> of the policy the boot evidence was verified under (the file as loaded, not
    /// as it may read later); null until a policy was loaded (then the configuration's is measured).
    /// </summary>
    public string? MeasuredPolicy { get; private set; }

    /// <summary>
    /// Before any evidence is collected: the provider fits the backend and the TEE, and NVML's CC gate passes.
    /// Throws <see cref="AttestationException"/> (<see cref="AttestationErrorReason.GpuEvidenceRejected"/>) naming what failed.
    /// </summary>
    public async Task PreflightAsync(string backend, TeeSelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var cuda = string.Equals(backend, CudaBackend, StringComparison.OrdinalIgnoreCase);
        switch (provider)
        {
            case NvmlGpuEvidenceProvider nvml:
                NvmlHostState state;
                try
                {
                    state = await nvml.InspectAsync(cancellationToken);
                }
                catch (NvmlException ex)
                {
                    throw Refuse($"NVML could not be inspected ({ex.NvmlReason}): {ex.Message}", ex);
                }

                if (state.UnusableReason is { } reason)
                {
                    throw Refuse($"the CC gate failed: {reason}");
                }

                break;
            case EmulatedGpuEvidenceProvider when selection.Mode != TeeMode.Emulated || selection.EmulatedTee is null:
                throw Refuse("Attestation:GpuEvidence=emulated is only allowed with the emulated TEE (Attestation:Tee=emulated)");
            case EmulatedGpuEvidenceProvider:
                break;
            default:
                if (cuda)
                {
                    throw Refuse($"the compute backend is cuda but Attestation:GpuEvidence is '{provider.Name}': GPU jobs need verified GPU evidence (nvml, or emulated with the emulated TEE)");
                }

                break;
        }
    }

    /// <summary>
    /// Verifies the boot evidence (collected for <paramref name="bootNonce"/>) and, for NVML, sets the GPUs ready. Throws
    /// <see cref="AttestationException"/> (<see cref="AttestationErrorReason.GpuEvidenceRejected"/>) naming the failed check.
    /// </summary>
    public async Task VerifyBootEvidenceAsync(GpuEvidence evidence, byte[] bootNonce, TeeSelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(selection);
        switch (provider)
        {
            case NvmlGpuEvidenceProvider nvml:
            {
                var policy = LoadPolicy();
                MeasuredPolicy = options.Value.GpuPolicy is { Length: > 0 } ? MeasuredSettings.GpuPolicyValue(policy) : MeasuredSettings.StrictGpuPolicy;
                var (appraisal, missing) = await VerifyNvidiaAsync(evidence, bootNonce, policy, cancellationToken);
                if (!appraisal.Valid)
                {
                    var missingNote = missing.Count == 0 ? "" : $" (collateral unavailable: {string.Join("; ", missing)})";
                    throw Refuse($"the boot GPU evidence failed verification at {appraisal.FailedCheck} ({appraisal.FailedItem}): {appraisal.Reason}{missingNote}");
                }

                try
                {
                    await nvml.SetGpusReadyAsync(cancellationToken);
                }
                catch (NvmlException ex)
                {
                    throw Refuse($"the GPUs could not be set ready ({ex.NvmlReason}): {ex.Message}", ex);
                }

                AgentLog.GpuGatePassed(logger, provider.Name, appraisal.Gpus.Count, Convert.ToHexStringLower(SHA256.HashData(evidence.Evidence)));
                break;
            }

            case EmulatedGpuEvidenceProvider emulated:
            {
                // The emulated GPU goes through the same verifier as NVIDIA hardware, with the emulated roots and allowEmulated.
                var appraisal = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, emulated.VerificationContext(bootNonce));
                if (!appraisal.Valid)
                {
                    throw Refuse($"the boot emulated GPU evidence failed verification at {appraisal.FailedCheck} ({appraisal.FailedItem}): {appraisal.Reason}");
                }

                AgentLog.GpuGatePassed(logger, provider.Name, appraisal.Gpus.Count, Convert.ToHexStringLower(SHA256.HashData(evidence.Evidence)));
                break;
            }
        }
    }

    /// <summary>
    /// The attestation digest of a heartbeat that names block <paramref name="blockHash"/>: the quote hash for a node without
    /// GPU evidence, else <see cref="GpuEvidenceBinding.HeartbeatDigest"/> over GPU evidence collected fresh for the block hash
    /// (proto/README.md, Node records). Throws like <see cref="CollectFreshAsync"/> when the GPUs do not answer, so no
    /// heartbeat claims GPUs that are gone.
    /// </summary>
    public async Task<Hash32> HeartbeatDigestAsync(NodeAttestation node, Hash32 blockHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var fresh = await CollectFreshAsync(blockHash.AsSpan().ToArray(), node, cancellationToken);
        return fresh is null
            ? node.QuoteHash
            : new Hash32(GpuEvidenceBinding.HeartbeatDigest(node.QuoteHash.AsSpan(), blockHash.AsSpan(), fresh.Evidence));
    }

    /// <summary>
    /// Fresh evidence for one GetAttestation, or null when the node has no GPU evidence provider. Throws
    /// <see cref="AttestationException"/> (<see cref="AttestationErrorReason.GpuEvidenceUnavailable"/>) when the GPUs do not
    /// answer (NVML error, gate no longer passing, or past <see cref="AttestationOptions.GpuEvidenceTimeout"/>): never a stale answer.
    /// </summary>
    public async Task<FreshGpuEvidence?> CollectFreshAsync(ReadOnlyMemory<byte> callerNonce, NodeAttestation node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!Enabled)
        {
            return null;
        }

        var nonce = GpuEvidenceBinding.DeriveNonce(callerNonce.Span, node.Address.AsSpan(), node.Bundle.HpkePublicKey.Span);
        var limit = options.Value.GpuEvidenceTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        GpuEvidence evidence;
        try
        {
            // NVML's calls are synchronous (each bounded by Nvml:CallTimeout); run them off the request thread so the whole
            // collection is bounded by GpuEvidenceTimeout.
            evidence = await Task.Run(() => provider.CollectAsync(nonce, timeout.Token).AsTask(), timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"the GPUs did not answer within {limit.TotalSeconds:0.#} s", ex);
        }
        catch (NvmlException ex)
        {
            throw Unavailable($"NVML failed ({ex.NvmlReason}): {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw Unavailable($"the GPU evidence provider refused the nonce: {ex.Message}", ex);
        }

        if (evidence.IsNone)
        {
            throw Unavailable($"the GPU evidence provider '{provider.Name}' returned no evidence");
        }

        var collateral = provider switch
        {
            NvmlGpuEvidenceProvider => await CollateralJsonAsync(evidence, timeout.Token),
            EmulatedGpuEvidenceProvider emulated => emulated.Collateral().ToJson(),
            _ => string.Empty,
        };
        var digest = GpuEvidenceBinding.SignatureDigest(callerNonce.Span, evidence.Evidence, collateral);
        var signature = node.Signer.SignHash(digest).ToBytes65();
        return new FreshGpuEvidence(evidence.Evidence, signature, collateral);
    }

    private async Task<(GpuAppraisal Appraisal, IReadOnlyList<string> Missing)> VerifyNvidiaAsync(GpuEvidence evidence, byte[] nonce, GpuAttestationPolicy policy, CancellationToken cancellationToken)
    {
        IReadOnlyList<GpuEvidenceItem> items;
        try
        {
            items = RemoteEvidence.Parse(evidence.Evidence);
        }
        catch (AttestationException ex)
        {
            throw Refuse($"the boot GPU evidence does not decode: {ex.Message}", ex);
        }

        var collateral = await CollateralAsync(items, cancellationToken);
        var context = collateral.ApplyTo(new GpuVerificationContext { At = timeProvider.GetUtcNow(), Policy = policy, ExpectedNonce = nonce });
        return (GpuVerifier.Verify(items, context), collateral.Missing);
    }

    private async Task<string> CollateralJsonAsync(GpuEvidence evidence, CancellationToken cancellationToken)
    {
        try
        {
            return (await CollateralAsync(RemoteEvidence.Parse(evidence.Evidence), cancellationToken)).ToJson();
        }
        catch (AttestationException ex)
        {
            AgentLog.GpuCollateralUnavailable(logger, ex.Message);
            return string.Empty;
        }
    }

    private async Task<GpuCollateral> CollateralAsync(IReadOnlyList<GpuEvidenceItem> items, CancellationToken cancellationToken)
    {
        try
        {
            var collateral = await collateralFetcher.CollectAsync(items, cancellationToken);
            if (collateral.Missing.Count > 0)
            {
                AgentLog.GpuCollateralUnavailable(logger, string.Join("; ", collateral.Missing));
            }

            return collateral;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or AttestationException or FormatException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Nothing fetched is trusted anyway: without collateral the verifier reports RIMs / OCSP unavailable.
            AgentLog.GpuCollateralUnavailable(logger, ex.Message);
            return GpuCollateral.Empty;
        }
    }

    private GpuAttestationPolicy LoadPolicy()
    {
        if (options.Value.GpuPolicy is not { Length: > 0 } path)
        {
            return GpuAttestationPolicy.Strict;
        }

        try
        {
            return GpuAttestationPolicy.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AttestationException or System.Text.Json.JsonException or ArgumentException)
        {
            throw Refuse($"Attestation:GpuPolicy {path} cannot be loaded: {ex.Message}", ex);
        }
    }

    private static AttestationException Refuse(string reason, Exception? inner = null) =>
        new(AttestationErrorReason.GpuEvidenceRejected, $"GPU gate: refusing to start: {reason}.", inner);

    private static AttestationException Unavailable(string reason, Exception? inner = null) =>
        new(AttestationErrorReason.GpuEvidenceUnavailable, $"fresh GPU evidence unavailable: {reason}", inner);
}

/// <summary>What one GetAttestation carries about the GPUs: the fresh evidence, the node key's signature and the stapled collateral.</summary>
internal sealed record FreshGpuEvidence(byte[] Evidence, byte[] Signature, string Collateral);
