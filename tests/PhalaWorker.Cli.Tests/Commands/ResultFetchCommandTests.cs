using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Cli.Commands;
using PhalaWorker.Testing;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary>
/// The job file that <c>submit --out</c> writes and <c>result fetch</c> reads, and fetch's refusals before it contacts
/// anything (the whole flow against an agent and anvil is in the functional tests).
/// </summary>
public sealed class ResultFetchCommandTests
{
    [Test]
    public void JobFile_WriteThenRead_RoundTripsWithOwnerOnlyMode()
    {
        using var directory = new TempDirectory();
        var file = Sample();
        var path = directory.File(JobFile.FileName);

        file.Write(path);
        var read = JobFile.Read(path);

        Assert.That(read.JobId, Is.EqualTo(file.JobId));
        Assert.That(read.JobSecret, Is.EqualTo(file.JobSecret));
        Assert.That(read.ResultPrivateKey, Is.EqualTo(file.ResultPrivateKey));
        Assert.That(read with { JobId = file.JobId, JobSecret = file.JobSecret, ResultPrivateKey = file.ResultPrivateKey }, Is.EqualTo(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    [Test]
    public async Task Fetch_NoJobFileForTheId_ExitsTwoAsync()
    {
        using var directory = new TempDirectory();
        var (exit, _, stderr) = await RunAsync("result", "fetch", "--job", "0x" + new string('a', 64), "--out", directory.Path);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no job file").And.Contain("submit --out"));
    }

    [Test]
    public async Task Fetch_JobIdOfAnotherJob_ExitsTwoAsync()
    {
        using var directory = new TempDirectory();
        Sample().Write(directory.File(JobFile.FileName));

        var (exit, _, stderr) = await RunAsync("result", "fetch", "--job", "0x" + new string('b', 64), "--out", directory.Path);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("holds job 0x" + new string('0', 63) + "1"));
    }

    [TestCase("not-a-job")]
    [TestCase("0x1234")]
    public async Task Fetch_JobNeitherIdNorFile_ExitsTwoAsync(string job)
    {
        var (exit, _, stderr) = await RunAsync("result", "fetch", "--job", job);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("is neither a job id"));
    }

    [Test]
    public async Task Fetch_NotAJobFile_ExitsTwoAsync()
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("job.json"), """{"version": 1, "jobId": "0x12"}""");

        var (exit, _, stderr) = await RunAsync("result", "fetch", "--job", directory.File("job.json"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("is not a job file written by 'phala-worker submit --out'"));
    }

    [Test]
    public async Task Fetch_NodeUnreachable_ExitsTwoWithoutHangingAsync()
    {
        using var directory = new TempDirectory();
        Sample().Write(directory.File(JobFile.FileName));

        var (exit, _, stderr) = await RunAsync("result", "fetch", "--job", directory.Path, "--timeout", "10s");

        Assert.That(exit, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.StartWith("error: "));
    }

    [Test]
    public async Task Verify_SubmitJsonWithoutProofYet_ExitsTwoSayingSoAsync()
    {
        using var directory = new TempDirectory();
        // What submit --json --no-wait-inclusion prints before the batch is posted: a receipt, no proof yet.
        var registry = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
        var hash = new Hash32(Enumerable.Repeat((byte)0x11, 32).ToArray());
        var data = new JobReceiptData(hash, hash, hash, hash, hash, 1_767_225_600, "cpu");
        using var signer = EthSigner.Generate();
        var receipt = JobReceiptTypedData.ToJson(data, 31337, registry, JobReceiptTypedData.Sign(signer, data, 31337, registry));
        await File.WriteAllTextAsync(directory.File("submit.json"), $$"""{"jobId":"0x00","receipt":{{receipt}},"proof":null,"verified":true}""");

        var (exit, _, stderr) = await RunAsync("result", "verify", "--rpc", "http://127.0.0.1:1", "--registry", registry.ToChecksumString(),
            "--receipt", directory.File("submit.json"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("has no 'proof' yet"));
    }

    private static JobFile Sample() => new(
        [.. new byte[31], 1],
        new Uri("http://127.0.0.1:1/"),
        new Uri("http://127.0.0.1:2/"),
        EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
        31337,
        EthAddress.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        new Hash32(Enumerable.Repeat((byte)0x11, 32).ToArray()),
        Enumerable.Repeat((byte)0x22, 32).ToArray(),
        Enumerable.Repeat((byte)0x33, 32).ToArray(),
        new Hash32(Enumerable.Repeat((byte)0x44, 32).ToArray()),
        new Hash32(Enumerable.Repeat((byte)0x55, 32).ToArray()),
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
