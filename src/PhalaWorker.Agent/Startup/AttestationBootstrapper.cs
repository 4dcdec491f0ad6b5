using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Compute;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// Attests the node before it serves (work in <see cref="StartAsync"/>, CONVENTIONS.md 12): creates the node identity,
/// measures the agent version and configuration digest into RTMR3, binds the node address and HPKE key into report_data
/// and gets the quote. Without a TEE it refuses to start unless emulation was asked for, and then logs it loudly.
/// </summary>
internal sealed class AttestationBootstrapper(
    NodeContext node,
    IOptions<AgentOptions> options,
    IConfiguration configuration,
    IEnumerable<IQuoteProvider> hardwareProviders,
    NodeIdentityStore identityStore,
    ComputeEngine engine,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : IHostedService
{
    /// <summary>
    /// The emulated TEE's well-known seed: every emulated node shares its root key, so a client that allows emulation can pin
    /// that root (clients derive it the same way). Emulation proves nothing; this only lets the full DCAP path run.
    /// </summary>
    public const string EmulationSeed = "phala-worker/emulated-tee/v1";

    private readonly ILogger _logger = loggerFactory.CreateLogger<AttestationBootstrapper>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var agent = options.Value;
        AgentLog.Starting(_logger, agent.AgentVersion, agent.Tee.ToString(), engine.BackendName);
        var eventLog = new RtmrEventLog();
        var (provider, teeType, collateral) = SelectProvider(agent, eventLog);

        var identity = identityStore.LoadOrCreate();
        var signer = new EthSigner(identity.GetSigningKey());
        var hpkePublicKey = identity.HpkeKey.PublicKey;
        var gpuEvidenceDigest = new byte[32];

        eventLog.Record(RtmrEvent.AgentVersionType, agent.AgentVersion);
        eventLog.Record(RtmrEvent.ConfigDigestType, ConfigurationDigest(configuration));

        var reportData = ReportDataBinding.Compute(signer.Address.AsSpan(), hpkePublicKey, gpuEvidenceDigest);
        var quote = await provider.GetQuoteAsync(reportData, cancellationToken);
        var bundle = new AttestationBundle
        {
            TeeType = teeType,
            Quote = ByteString.CopyFrom(quote),
            NodeAddress = ByteString.CopyFrom(signer.Address.AsSpan()),
            HpkePublicKey = ByteString.CopyFrom(hpkePublicKey),
            ReportDataVersion = ReportDataBinding.Version,
            AgentVersion = agent.AgentVersion,
            GpuEvidenceDigest = ByteString.CopyFrom(gpuEvidenceDigest),
            ComputeBackend = engine.BackendName,
            Collateral = collateral ?? "",
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

    private (IQuoteProvider Provider, TeeType TeeType, string? Collateral) SelectProvider(AgentOptions agent, RtmrEventLog eventLog)
    {
        if (agent.Tee == TeeMode.Emulated)
        {
            AgentLog.EmulatedTee(_logger);
            var tee = EmulatedTee.FromSeed(Encoding.ASCII.GetBytes(EmulationSeed), timeProvider.GetUtcNow());
            var provider = new EmulatedQuoteProvider(tee, eventLog: eventLog, logger: loggerFactory.CreateLogger<EmulatedQuoteProvider>());
            return (provider, TeeType.EmulatedTdx, tee.Collateral.Json);
        }

        var hardware = hardwareProviders.FirstOrDefault(p => p.Kind == TeeKind.Tdx)
            ?? throw new TeeProviderException(TeeErrorReason.NoProvider,
                "No TDX quote provider is available (neither configfs-tsm nor /dev/tdx_guest). Refusing to start without a TEE; " +
                "pass --tee emulated (Agent:Tee=Emulated) to run the software-emulated TEE for testing.");
        return (hardware, TeeType.Tdx, null);
    }

    /// <summary>SHA-256 over the sorted effective settings of the agent's sections, secrets excluded.</summary>
    internal static string ConfigurationDigest(IConfiguration configuration)
    {
        var lines = new List<string>();
        foreach (var section in new[] { AgentOptions.SectionName, Registry.RegistryOptions.SectionName, "Compute", "Attestation" })
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable(makePathsRelative: false))
            {
                if (value is not null && !key.Contains("Key", StringComparison.OrdinalIgnoreCase))
                {
                    lines.Add(key + "=" + value);
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        return "sha256:" + Convert.ToHexString(digest).ToLowerInvariant();
    }
}
