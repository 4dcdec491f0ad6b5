using Microsoft.Extensions.Logging;
using NUnit.Framework.Internal;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The log check of the agent-as-a-process tests (<see cref="ProcessLogAssert"/>, run by <see cref="AgentProcess"/> in each
/// such test's TearDown) finds an Error the console logger wrote, and fails the test it runs in.
/// </summary>
public sealed class ProcessLogAssertTests
{
    // What Microsoft.Extensions.Logging.Console's simple formatter writes (the agent's format outside systemd).
    private const string Output = """
        warn: PhalaWorker.Agent.Startup.AttestationBootstrapper[5001]
              !!! TEE IS EMULATED !!!
        info: Microsoft.Hosting.Lifetime[14]
              Now listening on: https://127.0.0.1:40211
        fail: PhalaWorker.Agent.Grpc.StatusMappingInterceptor[5020]
              RPC /phala.worker.v1.Jobs/SubmitJob failed: System.InvalidOperationException
              System.InvalidOperationException: boom
                 at PhalaWorker.Agent.Jobs.JobIntake.OpenAsync()
        unrelated line on stderr
        info: PhalaWorker.Agent.Jobs.JobRunner[5030]
              job 0x12 succeeded
        """;

    [Test]
    public void Records_ConsoleOutput_ReadsEachRecordWithItsLevelAndMessage()
    {
        var records = ProcessLogAssert.Records(Output);

        Assert.That(records.Select(r => r.Level), Is.EqualTo(new[] { LogLevel.Warning, LogLevel.Information, LogLevel.Error, LogLevel.Information }));
        Assert.That(records[2].Header, Is.EqualTo("PhalaWorker.Agent.Grpc.StatusMappingInterceptor[5020]"));
        Assert.That(records[2].Message, Does.Contain("System.InvalidOperationException: boom").And.Contain("at PhalaWorker.Agent.Jobs.JobIntake.OpenAsync()"));
        Assert.That(records[3].Message, Is.EqualTo("job 0x12 succeeded"));
    }

    [Test]
    public void VerifyNoErrors_AnErrorWasLogged_FailsTheTest()
    {
        using (new TestExecutionContext.IsolatedContext())
        {
            Assert.Throws<AssertionException>(() => ProcessLogAssert.VerifyNoErrors(Output));
        }

        Assert.That(ProcessLogAssert.UnexpectedErrors(Output).Single().Header, Does.StartWith("PhalaWorker.Agent.Grpc.StatusMappingInterceptor"));
    }

    [Test]
    public void VerifyNoErrors_ErrorExpectedOrOnlyWarnings_Passes()
    {
        ProcessLogAssert.VerifyNoErrors(Output, r => r.Header.Contains("[5020]", StringComparison.Ordinal));
        ProcessLogAssert.VerifyNoErrors(Output.Replace("fail: ", "warn: ", StringComparison.Ordinal));

        Assert.That(ProcessLogAssert.UnexpectedErrors(Output.Replace("fail: ", "crit: ", StringComparison.Ordinal)), Has.Count.EqualTo(1));
    }

    [Test]
    public void VerifyNoErrors_NoRecordAtAll_FailsRatherThanCheckingNothing()
    {
        using (new TestExecutionContext.IsolatedContext())
        {
            Assert.Throws<AssertionException>(() => ProcessLogAssert.VerifyNoErrors("{\"json\":\"formatter\"}\n"));
        }
    }
}
