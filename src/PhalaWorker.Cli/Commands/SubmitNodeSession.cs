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

    public static SubmitNodeSession Open(SubmitCommonSettings settings)
    {
        var client = WorkerClient.Connect(settings.Endpoint);
        var registry = settings.Rpc is not null && settings.Registry is { } address ? RegistryReader.Connect(settings.Rpc, address) : null;
        return new SubmitNodeSession(settings, client, registry);
    }

    public Task<VerifiedNode> VerifyAsync(CancellationToken cancellationToken)
    {
        var options = new NodeVerifierOptions
        {
            AllowEmulated = _settings.AllowEmulated,
            Policy = LoadPolicy(_settings.Policy),
            Collateral = LoadCollateral(_settings.Collateral),
            ExpectedRegistry = _settings.Registry,
            RequireRegistration = Registry is not null,
        };
        return new NodeVerifier(Client, options, Registry).VerifyAsync(cancellationToken);
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
