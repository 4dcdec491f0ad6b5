using System.CommandLine;
using System.Text.Json;
using PhalaWorker.Cli.Commands;
using PhalaWorker.Cli.Internal;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Cli.Tests;

/// <summary>
/// What every command shares: parse errors exit 2 with the usage on stderr, one duration syntax, ISO-8601 timestamps in
/// JSON, and the <c>onnx inspect</c> / <c>onnx run --out</c> file habits.
/// </summary>
public sealed class CliHabitsTests
{
    private static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "attestation", name);

    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApplication.RunAsync(args, stdout, stderr, cts.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestCase("onnx", "inspect")]
    [TestCase("nodes", "list", "--rpc", "http://127.0.0.1:8545")]
    [TestCase("onnx", "run", "--model", "m.onnx", "--no-such-option")]
    [TestCase("no-such-command")]
    public async Task ParseError_ExitsTwoWithUsageOnStderrAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.That(code, Is.EqualTo(CliApplication.ExitUsage));
        Assert.That(stdout, Is.Empty, "stdout stays clean for scripts");
        Assert.That(stderr, Does.StartWith("error: ").And.Contain("Usage:"));
    }

    [TestCase("30s", 30_000)]
    [TestCase("2m", 120_000)]
    [TestCase("1h", 3_600_000)]
    [TestCase("500ms", 500)]
    [TestCase("120", 120_000)]
    [TestCase("1.5", 1_500)]
    public void Duration_AcceptedForms(string text, long milliseconds)
    {
        Assert.That(CliDuration.TryParse(text, out var duration), Is.True);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("00:00:30")]
    [TestCase("30x")]
    [TestCase("0")]
    [TestCase("-5s")]
    [TestCase("")]
    [TestCase("8d")]
    [TestCase("1000h")]
    public void Duration_RefusedForms(string text) => Assert.That(CliDuration.TryParse(text, out _), Is.False);

    [Test]
    public async Task Timeout_BadDuration_ExitsTwoNamingTheOptionAsync()
    {
        var (code, _, stderr) = await RunAsync("nodes", "list", "--rpc", "http://127.0.0.1:1", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--timeout", "00:00:30");

        Assert.That(code, Is.EqualTo(CliApplication.ExitUsage));
        Assert.That(stderr, Does.Contain("--timeout '00:00:30' is not a duration"));
    }

    [Test]
    public void DurationOption_PlainNumberIsSeconds()
    {
        var option = CliDuration.Option("--timeout", "limit", TimeSpan.FromMinutes(2));
        var command = new RootCommand { option };

        Assert.That(command.Parse(["--timeout", "30"]).GetValue(option), Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(command.Parse([]).GetValue(option), Is.EqualTo(TimeSpan.FromMinutes(2)));
    }

    [Test]
    public async Task Json_TimestampsAreIso8601WithoutEscapesAsync()
    {
        var (code, stdout, _) = await RunAsync("quote", "verify", "--quote", Data("tdx_quote_v4.bin"), "--collateral", Data("collateral.json"), "--at", "2025-07-01T00:00:00Z", "--json");

        Assert.That(code, Is.EqualTo(0), stdout);
        Assert.That(stdout, Does.Not.Contain("\\u002B"));
        Assert.That(stdout, Does.Match(@"""20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)"""));
        Assert.That(JsonSerializer.Serialize(DateTimeOffset.UnixEpoch, CliJson.Compact), Is.EqualTo("\"1970-01-01T00:00:00+00:00\""));
    }

    [Test]
    public async Task OnnxInspect_TinyMlp_ListsInputsAndOutputsAsync()
    {
        var model = Path.Combine(OnnxTestData.Model("tiny_mlp"), "model.onnx");

        var (code, stdout, _) = await RunAsync("onnx", "inspect", model);
        var (jsonCode, json, _) = await RunAsync("onnx", "inspect", model, "--json");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("input x: Float[batchx784]").And.Contain("output probs: Float[batchx10]"));
        Assert.That(jsonCode, Is.EqualTo(0));
        using var doc = JsonDocument.Parse(json);
        var input = doc.RootElement.GetProperty("inputs")[0];
        Assert.That(input.GetProperty("name").GetString(), Is.EqualTo("x"));
        Assert.That(input.GetProperty("type").GetString(), Is.EqualTo("Float"));
        Assert.That(input.GetProperty("shape").EnumerateArray().Select(d => d.GetString()), Is.EqualTo(new[] { "batch", "784" }));
        Assert.That(doc.RootElement.GetProperty("outputs")[0].GetProperty("name").GetString(), Is.EqualTo("probs"));
    }

    [Test]
    public async Task OnnxInspect_NotAModel_ExitsTwoAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.onnx");
        await File.WriteAllBytesAsync(file, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        try
        {
            var (code, _, stderr) = await RunAsync("onnx", "inspect", file);

            Assert.That(code, Is.EqualTo(CliApplication.ExitUsage));
            Assert.That(stderr, Does.Contain("is not an ONNX model"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("probs", "probs.pb")]
    [TestCase("../../etc/passwd", "_.._etc_passwd.pb")]
    [TestCase("a/b:c", "a_b_c.pb")]
    [TestCase("...", "output_3.pb")]
    public void OutputFileName_IsSanitized(string name, string expected) =>
        Assert.That(OnnxCommandFactory.OutputFileName(name, 3, new HashSet<string>()), Is.EqualTo(expected));

    [Test]
    public void OutputFileName_CollisionGetsIndex()
    {
        var taken = new HashSet<string>();
        Assert.That(OnnxCommandFactory.OutputFileName("a/b", 0, taken), Is.EqualTo("a_b.pb"));
        Assert.That(OnnxCommandFactory.OutputFileName("a:b", 1, taken), Is.EqualTo("a_b_1.pb"));
    }
}
