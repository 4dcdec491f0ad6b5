using System.Text.Json;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Cli.Tests;

public sealed class OnnxCommandTests
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApplication.RunAsync(args, stdout, stderr, cts.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task Run_TinyMlp_PrintsOutputAndWritesPbAsync()
    {
        var folder = OnnxTestData.Model("tiny_mlp");
        var outDir = Path.Combine(Path.GetTempPath(), "phala-onnx-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stdout, _) = await RunAsync("onnx", "run", "--model", Path.Combine(folder, "model.onnx"),
                "--input", "x=" + Path.Combine(folder, "test_data_set_0", "input_0.pb"), "--out", outDir);

            Assert.That(code, Is.EqualTo(0));
            Assert.That(stdout, Does.Contain("probs: Float[4x10]"));
            Assert.That(File.Exists(Path.Combine(outDir, "probs.pb")), Is.True, "outputs are written under their names");
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [Test]
    public async Task Test_NodeFoldersJson_ReportsCountsAndExitsZeroAsync()
    {
        var node = OnnxTestData.NodeRoot;

        var (code, stdout, _) = await RunAsync("onnx", "test", Path.Combine(node, "test_relu"), Path.Combine(node, "test_cast_FLOAT_to_INT4"), "--json");

        Assert.That(code, Is.EqualTo(0));
        using var doc = JsonDocument.Parse(stdout);
        Assert.That(doc.RootElement.GetProperty("backend").GetString(), Is.EqualTo("cpu"));
        Assert.That(doc.RootElement.GetProperty("passed").GetInt32(), Is.EqualTo(1));
        Assert.That(doc.RootElement.GetProperty("unsupported").GetInt32(), Is.EqualTo(1));
        Assert.That(doc.RootElement.GetProperty("tests")[1].GetProperty("detail").GetString(), Does.Contain("Int4"));
    }

    [Test]
    public async Task Test_FailingExpectation_ExitsOneAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "phala-onnx-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            // test_relu with test_exp's expected output: a genuine mismatch.
            var relu = Path.Combine(OnnxTestData.NodeRoot, "test_relu");
            var target = Path.Combine(dir, "test_relu_wrong");
            Directory.CreateDirectory(Path.Combine(target, "test_data_set_0"));
            File.Copy(Path.Combine(relu, "model.onnx"), Path.Combine(target, "model.onnx"));
            File.Copy(Path.Combine(relu, "test_data_set_0", "input_0.pb"), Path.Combine(target, "test_data_set_0", "input_0.pb"));
            File.Copy(Path.Combine(OnnxTestData.NodeRoot, "test_sigmoid", "test_data_set_0", "output_0.pb"), Path.Combine(target, "test_data_set_0", "output_0.pb"));

            var (code, stdout, _) = await RunAsync("onnx", "test", dir);

            Assert.That(code, Is.EqualTo(1));
            Assert.That(stdout, Does.Contain("FAIL test_relu_wrong"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Bench_TinyMlpJson_PrintsMedianAndP90Async()
    {
        var (code, stdout, _) = await RunAsync("onnx", "bench", "--model", Path.Combine(OnnxTestData.Model("tiny_mlp"), "model.onnx"),
            "--iterations", "3", "--threads", "1", "--warmup-seconds", "0", "--json");

        Assert.That(code, Is.EqualTo(0));
        using var doc = JsonDocument.Parse(stdout);
        Assert.That(doc.RootElement.GetProperty("medianMs").GetDouble(), Is.GreaterThan(0));
        Assert.That(doc.RootElement.GetProperty("p90Ms").GetDouble(), Is.GreaterThanOrEqualTo(doc.RootElement.GetProperty("medianMs").GetDouble()));
    }

    [Test]
    public async Task Bench_NegativeWarmup_ClearErrorExitTwoAsync()
    {
        var (code, _, stderr) = await RunAsync("onnx", "bench", "--model", Path.Combine(OnnxTestData.Model("tiny_mlp"), "model.onnx"), "--warmup-seconds", "-1");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--warmup-seconds must be between 0 and 600"));
    }

    [Test]
    public async Task Run_UnknownBackend_ClearErrorExitTwoAsync()
    {
        var (code, _, stderr) = await RunAsync("onnx", "run", "--model", Path.Combine(OnnxTestData.Model("tiny_mlp"), "model.onnx"), "--backend", "tpu");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("backend 'tpu' is not available"));
    }

    [Test]
    public async Task Run_MalformedModel_ExitTwoNamingReasonAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), "phala-bad-" + Guid.NewGuid().ToString("N") + ".onnx");
        await File.WriteAllBytesAsync(file, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        try
        {
            var (code, _, stderr) = await RunAsync("onnx", "run", "--model", file);

            Assert.That(code, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("InvalidModel"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
