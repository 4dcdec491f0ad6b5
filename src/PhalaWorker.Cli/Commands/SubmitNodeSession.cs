using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Client;

namespace PhalaWorker.Cli.Commands;

/// <summary>A connection to a node and, when given, its registry; verifies the node with the shared options.</summary>
internal sealed class SubmitNodeSession : IDisposable
{
    private readonly SubmitCommonSettings _settings;

    private SubmitNodeSession(SubmitCommonSettings settings, WorkerClient client, RegistryReader? registry)
    {
        _settings = settings;
        Client = client;
        Registry = registry;
    }

    public WorkerClient Client { get; }

    public RegistryReader? Registry { get; }

    public static async Task<SubmitNodeSession> OpenAsync(SubmitCommonSettings settings, CancellationToken cancellationToken)
    {
        RegistryReader? registry = null;
        try
        {
            if (settings.Rpc is not null && settings.Registry is { } address)
            {
                registry = await RegistryReader.ConnectAsync(settings.Rpc, address, cancellationToken);
            }
        }
        catch (WorkerClientException ex)
        {
            throw SubmitFormat.ToCliException(ex);
        }
        catch (OperationCanceledException)
        {
            throw new CliException($"timed out reading the chain at {settings.Rpc}");
        }

        return new SubmitNodeSession(settings, WorkerClient.Connect(settings.Endpoint), registry);
    }

    /// <summary>The verifier of the shared options (also used to re-verify a node that restarted with new keys).</summary>
    public NodeVerifier CreateVerifier(TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var profiles = _settings.Measurements.SelectMany(MeasurementProfileFile.Load).ToList();
        if (_settings.TrustAnyMeasurement)
        {
            error.WriteLine("WARNING: --trust-any-measurement: accepting ANY TD measurements; a host running a modified agent could read every job you send");
        }

        if (_settings.InsecureTransport)
        {
            error.WriteLine("WARNING: --insecure-transport: accepting a node whose gRPC is not RA-TLS pinned to its attestation; job ids, sizes and timing are visible on the wire");
        }

        var options = new NodeVerifierOptions
        {
            InsecureTransport = _settings.InsecureTransport,
            AllowEmulated = _settings.AllowEmulated,
            Policy = LoadPolicy(_settings.Policy),
            Collateral = LoadCollateral(_settings.Collateral),
            ExpectedRegistry = _settings.Registry,
            ExpectedChainId = Registry?.ChainId,
            RequireRegistration = Registry is not null,
            AcceptedMeasurements = profiles,
            TrustAnyMeasurement = _settings.TrustAnyMeasurement,
        };
        return new NodeVerifier(Client, options, Registry);
    }

    public void Dispose()
    {
        Registry?.Dispose();
        Client.Dispose();
    }

    private static AttestationPolicy LoadPolicy(FileInfo? file)
    {
        if (file is null)
        {
            return AttestationPolicy.Strict;
        }

        try
        {
            return AttestationPolicy.Load(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AttestationException)
        {
            throw new CliException($"cannot load the policy {file.FullName}: {ex.Message}");
        }
    }

    private static QuoteCollateral? LoadCollateral(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            return QuoteCollateral.FromJson(File.ReadAllText(file.FullName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AttestationException)
        {
            throw new CliException($"cannot load the collateral {file.FullName}: {ex.Message}");
        }
    }
}
