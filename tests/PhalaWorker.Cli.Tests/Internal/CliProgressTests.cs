using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Tests.Internal;

/// <summary>Progress is drawn in place on a terminal's stderr only: never into a pipe, a log or --json output.</summary>
public sealed class CliProgressTests
{
    [Test]
    public void Report_Enabled_DrawsInPlaceAndClearClearsTheLine()
    {
        using var error = new StringWriter();
        using (var progress = new CliProgress(error, enabled: true))
        {
            progress.Report("waiting for the receipt's batch on chain");
            progress.Clear();
        }

        var text = error.ToString();
        Assert.That(text, Does.StartWith("\rwaiting for the receipt's batch on chain (0s)"));
        Assert.That(text, Does.Not.Contain("\n"), "one line, redrawn with carriage returns");
        Assert.That(text, Does.EndWith("\r"), "cleared before a result line is written");
    }

    [Test]
    public void Report_NotATerminal_WritesNothing()
    {
        using var error = new StringWriter();
        using (var progress = CliProgress.For(new CliContext(TextWriter.Null, error), json: false))
        {
            progress.Report("measuring");
            Assert.That(progress.Enabled, Is.False);
        }

        Assert.That(error.ToString(), Is.Empty);
    }

    [Test]
    public void For_JsonOutput_IsOffEvenOnATerminal()
    {
        using var error = new StringWriter();
        using var progress = CliProgress.For(new CliContext(TextWriter.Null, error) { ErrorIsTerminal = true }, json: true);

        progress.Report("measuring");

        Assert.That(progress.Enabled, Is.False);
        Assert.That(error.ToString(), Is.Empty);
    }

    [Test]
    public async Task OnnxBench_StderrNotATerminal_PrintsOnlyTheResultAsync()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var model = Path.Combine(PhalaWorker.Testing.TestData.RepositoryRoot, "tests", "testdata", "onnx", "models", "tiny_mlp", "model.onnx");

        var exit = await CliApplication.RunAsync(["onnx", "bench", "--model", model, "--iterations", "3", "--warmup-seconds", "0"], stdout, stderr, CancellationToken.None);

        Assert.That(exit, Is.EqualTo(0), stderr.ToString());
        Assert.That(stderr.ToString(), Is.Empty);
        Assert.That(stdout.ToString(), Does.Contain("median").And.Not.Contain("\r"));
    }
}
