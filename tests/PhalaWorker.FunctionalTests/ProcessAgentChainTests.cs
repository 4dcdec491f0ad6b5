using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The one setup of the tests that run the agent as a real process (<see cref="AgentProcess"/>) next to anvil: one chain
/// with its registry per fixture (<see cref="Chain"/>), and after each test the log check of every agent process the test
/// started, so that an Error in an agent's log fails the test that ran it (CONVENTIONS.md 21; a failure in
/// OneTimeTearDown would count for no test).
/// </summary>
[Category("Anvil")]
[NonParallelizable]
public abstract class ProcessAgentChainTests
{
    private protected ChainFixture Chain { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartChainAsync() => Chain = await ChainFixture.StartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());

    [OneTimeTearDown]
    public async Task StopChainAsync()
    {
        if (Chain is not null)
        {
            await Chain.DisposeAsync();
        }
    }

    /// <summary>An Error in the log of an agent process this test started fails this test.</summary>
    [TearDown]
    public void VerifyAgentLogs() => AgentProcess.VerifyNoErrorsInCurrentTest(IsExpectedError);

    /// <summary>An Error record the fixture's tests provoke on purpose; none by default.</summary>
    private protected virtual bool IsExpectedError(ProcessLogRecord record) => false;
}
