using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Compute;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// Attests the node before it serves (work in <see cref="StartAsync"/>, CONVENTIONS.md 12): generates the node identity in
/// memory (never from host-controlled storage or configuration: a restart makes a new identity), measures the agent
/// version, the digest of its own binaries and each security-relevant setting into RTMR3 (<see cref="AgentMeasurements"/>),
/// binds the node address, HPKE key and RA-TLS key into report_data and gets the quote. Without a TEE it refuses to start unless
/// emulation was asked for, and then logs it loudly.
/// </summary>
internal sealed class AttestationBootstrapper(
    NodeContext node,
    IOptions<AgentOptions> options,
    IConfiguration configuration,
    IServiceProvider services,
    IHostEnvironment environment,
    ComputeEngine engine,
    ILoggerFactory loggerFactory) : IHostedService
{
    /// <summary>
    /// The emulated TEE's well-known seed (ASCII; <c>Attestation:EmulationSeed</c> when not configured): every emulated node
    /// shares its root key, so a client that allows emulation can pin that root (clients derive it the same way). Emulation
    /// proves nothing; this only lets the full DCAP path run on emulated quotes.
    /// </summary>
    public const string EmulationSeed = EmulatedTee.DefaultSeed;

    private readonly ILogger _logger = loggerFactory.CreateLogger<AttestationBootstrapper>();

    /// <summary>
    /// Staples collateral to a hardware quote so submitters need not reach Intel themselves. Best effort: a node whose
    /// PCCS is unreachable still serves, and clients then bring their own collateral (NodeVerifierOptions.Collateral).
    /// </summary>
    private async Task<string?> FetchCollateralAsync(byte[] quote, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var fetched = await services.GetRequiredService<PcsCollateralFetcher>().GetCollateralAsync(quote, timeout.Token);
            return fetched.ToJson();
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or AttestationException or FormatException
            && !cancellationToken.IsCancellationRequested)
        {
            AgentLog.CollateralUnavailable(_logger, ex.Message);
            return null;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var agent = options.Value;
        // Resolving the selection probes the TEE and fails closed (TeeProviderException) when there is none and emulation
        // was not asked for: the host then refuses to start.
        var selection = services.GetRequiredService<TeeSelection>();
        AgentLog.Starting(_logger, agent.AgentVersion, TeeModeNames.ToName(selection.Mode), engine.BackendName);
        if (selection.Mode == TeeMode.Emulated)
        {
            AgentLog.EmulatedTee(_logger);
        }

        // The fail-closed GPU gate, first half: a cuda backend needs a GPU evidence provider that fits the TEE, and NVML's
        // CC gate (CC on, DevTools off, production) must pass before any evidence is asked for.
        var gpu = services.GetRequiredService<GpuAttestor>();
        await gpu.PreflightAsync(engine.BackendName, selection, cancellationToken);

        var provider = selection.Provider;
        var eventLog = selection.EventLog;
        var teeType = selection.Kind == TeeKind.EmulatedTdx ? TeeType.EmulatedTdx : TeeType.Tdx;
        var collateral = selection.EmulatedTee?.Collateral.Json;

        var identity = NodeIdentity.Generate();
        var signer = new EthSigner(identity.GetSigningKey());
        var hpkePublicKey = identity.HpkeKey.PublicKey;
        // GPU evidence (none unless Attestation:GpuEvidence names a provider) is collected once at start for a nonce
        // derived from the node keys, and bound into report_data by its digest; clients check the evidence hashes to it.
        var gpuNonce = SHA256.HashData([.. "phala-worker/v1 gpu evidence nonce"u8, .. signer.Address.AsSpan(), .. hpkePublicKey]);
        var gpuEvidence = await services.GetRequiredService<IGpuEvidenceProvider>().CollectAsync(gpuNonce, cancellationToken);
        var gpuEvidenceDigest = gpuEvidence.Digest;

        // Second half: the boot evidence verifies under the agent's GPU policy; only then are the GPUs set ready.
        await gpu.VerifyBootEvidenceAsync(gpuEvidence, gpuNonce, selection, cancellationToken);

        var agentDigest = MeasureOwnBinaries();
        var settings = MeasuredSettings.Collect(configuration, environment.EnvironmentName, TeeModeNames.ToName(selection.Mode), engine.BackendName, gpu.MeasuredPolicy);
        AgentMeasurements.Record(eventLog, agent.AgentVersion, agentDigest, settings);
        AgentLog.Measured(_logger, Convert.ToHexStringLower(agentDigest), settings.Count, Convert.ToHexStringLower(eventLog.CurrentValue.Span));

        // RA-TLS: the listener's TD-born key is bound by its SPKI digest (zeros when the operator chose plaintext h2c).
        var tlsSpki = agent.IsPlaintext ? [] : services.GetRequiredService<Hosting.RaTlsCertificate>().SpkiSha256;
        if (agent.IsPlaintext)
        {
            AgentLog.PlaintextTransport(_logger);
        }
        else
        {
            AgentLog.RaTlsServing(_logger, RaTlsBinding.Format(tlsSpki));
        }

        var reportData = ReportDataBinding.Compute(signer.Address.AsSpan(), hpkePublicKey, gpuEvidenceDigest, tlsSpki);
        var quote = await provider.GetQuoteAsync(reportData, cancellationToken);
        collateral ??= await FetchCollateralAsync(quote, cancellationToken);
        var bundle = new AttestationBundle
        {
            TeeType = teeType,
            Quote = ByteString.CopyFrom(quote),
            NodeAddress = ByteString.CopyFrom(signer.Address.AsSpan()),
            HpkePublicKey = ByteString.CopyFrom(hpkePublicKey),
            ReportDataVersion = ReportDataBinding.Version,
            AgentVersion = agent.AgentVersion,
            GpuEvidenceDigest = ByteString.CopyFrom(gpuEvidenceDigest),
            GpuEvidence = ByteString.CopyFrom(gpuEvidence.Evidence),
            ComputeBackend = engine.BackendName,
            Collateral = collateral ?? "",
            TlsSpkiSha256 = ByteString.CopyFrom(tlsSpki),
        };
        foreach (var measured in eventLog.Events)
        {
            bundle.EventLog.Add(new MeasurementEvent
            {
                RtmrIndex = (uint)measured.RtmrIndex,
                Digest = ByteString.CopyFrom(measured.Digest),
                EventType = measured.EventType,
                EventData = ByteString.CopyFrom(measured.EventData),
            });
        }

        node.Set(new NodeAttestation(identity, signer, quote, reportData, bundle, provider.Name));
        AgentLog.Attested(_logger, provider.Name, signer.Address.ToString(), Keccak256.Hash(quote).ToString(), Convert.ToHexString(reportData).ToLowerInvariant());
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The digest of the agent's own app directory (<see cref="AppContext.BaseDirectory"/>, never a configured path).
    /// Cached per process: in-process test hosts start many agents from one directory.
    /// </summary>
    internal static byte[] MeasureOwnBinaries() =>
        DigestCache.GetOrAdd(AppContext.BaseDirectory, AgentDigest.Compute).ToArray();

    private static readonly ConcurrentDictionary<string, byte[]> DigestCache = new(StringComparer.Ordinal);
}
