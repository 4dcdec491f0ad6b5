using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The one setup of the tests against one in-process agent per fixture (no chain): a temp directory, the
/// <see cref="AgentFactory"/> with the fixture's settings, the SDK's <see cref="Client"/> and, unless the fixture verifies
/// nodes itself, the <see cref="Node"/> verified against the agent's reference profile. After each test the server log is
/// checked for an Error the test did not expect (CONVENTIONS.md 21), so that the failure belongs to that test (one in
/// OneTimeTearDown would count for none), and cleared for the next.
/// </summary>
public abstract class InProcessAgentTests
{
    private readonly string _name;
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private readonly bool _verifyNode;
    private VerifiedNode? _node;

    protected InProcessAgentTests(string name, IReadOnlyDictionary<string, string?>? settings = null, bool verifyNode = true)
    {
        _name = name;
        _settings = settings;
        _verifyNode = verifyNode;
    }

    protected TempDirectory AgentDirectory { get; private set; } = null!;

    private protected AgentFactory Factory { get; private set; } = null!;

    protected WorkerClient Client { get; private set; } = null!;

    /// <summary>The agent verified with the default verifier and its reference profile.</summary>
    protected VerifiedNode Node => _node ?? throw new InvalidOperationException("this fixture does not verify the node in its setup");

    [OneTimeSetUp]
    public async Task StartAgentAsync()
    {
        AgentDirectory = new TempDirectory(_name);
        Factory = new AgentFactory(AgentDirectory, _settings);
        Client = Factory.CreateWorkerClient();
        if (_verifyNode)
        {
            _node = await new NodeVerifier(Client, Factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        }
    }

    /// <summary>Each test answers for what the server logged while it ran.</summary>
    [TearDown]
    public void VerifyNoServerErrors()
    {
        try
        {
            LogAssert.VerifyNoErrors(Factory.Logs, IsExpectedError);
        }
        finally
        {
            Factory.Logs.Clear();
        }
    }

    [OneTimeTearDown]
    public async Task StopAgentAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        AgentDirectory?.Dispose();
    }

    /// <summary>An Error record the fixture's tests provoke on purpose; none by default.</summary>
    protected virtual bool IsExpectedError(FakeLogRecord record) => false;
}
