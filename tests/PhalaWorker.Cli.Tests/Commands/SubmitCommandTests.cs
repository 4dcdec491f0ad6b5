using System.Buffers.Binary;
using Google.Protobuf;
using PhalaWorker.Cli.Commands;
using PhalaWorker.Testing;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary>`submit` and `attest` refuse unusable input with a message and exit 2 before contacting anything.</summary>
public sealed class SubmitCommandTests
{
    [Test]
    public async Task Submit_MissingModelFile_ExitsTwoAsync()
    {
        using var directory = new TempDirectory();
        var (exit, _, stderr) = await RunAsync("submit", "--endpoint", "http://127.0.0.1:1", "--model", directory.File("absent.onnx"), "--input", "x=" + directory.File("x.pb"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("cannot read the model file"));
    }

    [Test]
    public async Task Submit_InputWithoutName_ExitsTwoAsync()
    {
        using var directory = new TempDirectory();
        await File.WriteAllBytesAsync(directory.File("m.onnx"), [1]);
        var (exit, _, stderr) = await RunAsync("submit", "--endpoint", "http://127.0.0.1:1", "--model", directory.File("m.onnx"), "--input", "x.pb");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("NAME=FILE.pb"));
    }

    [TestCase("--registry", "0x1234", "is not an address")]
    [TestCase("--endpoint", "not a url", "is not an http:// or https:// URL")]
    [TestCase("--aead", "rot13", "is not one of")]
    public async Task Submit_BadOption_ExitsTwoAsync(string option, string value, string message)
    {
        using var directory = new TempDirectory();
        await File.WriteAllBytesAsync(directory.File("m.onnx"), [1]);
        var args = new List<string> { "submit", "--endpoint", "http://127.0.0.1:1", "--rpc", "http://127.0.0.1:2", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--model", directory.File("m.onnx") };
        var index = args.IndexOf(option);
        if (index >= 0)
        {
            args[index + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (exit, _, stderr) = await RunAsync([.. args]);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(message));
    }

    [Test]
    public async Task Attest_RpcWithoutRegistry_ExitsTwoAsync()
    {
        var (exit, _, stderr) = await RunAsync("attest", "--endpoint", "http://127.0.0.1:1", "--rpc", "http://127.0.0.1:2");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--rpc and --registry go together"));
    }

    [Test]
    public async Task Attest_UnreachableNode_ExitsTwoAsync()
    {
        var (exit, _, stderr) = await RunAsync("attest", "--endpoint", "http://127.0.0.1:1", "--allow-emulated", "--timeout", "10");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error:"));
    }

    [Test]
    public async Task Attest_InsecureTransport_WarnsOnStderrAsync()
    {
        var (exit, _, stderr) = await RunAsync("attest", "--endpoint", "http://127.0.0.1:1", "--allow-emulated", "--insecure-transport", "--timeout", "10");

        Assert.That(exit, Is.EqualTo(2), "the node is unreachable either way");
        Assert.That(stderr, Does.StartWith("WARNING: --insecure-transport"));
    }

    [Test]
    public void Describe_RawFloatTensor_NameShapeDtypeAndValues()
    {
        var raw = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(0), 0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4), 0.5f);
        BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(8), 0.25f);
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt64(1);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt64(3);
        output.WriteTag(2, WireFormat.WireType.Varint);
        output.WriteInt32(1);
        output.WriteTag(9, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(raw));
        output.Flush();

        var text = SubmitTensorSummary.Describe("probs", stream.ToArray());

        Assert.That(text, Does.StartWith("probs: float32[1x3]"));
        Assert.That(text, Does.Contain("max 0.5"));
        Assert.That(text, Does.Contain("[0.25, 0.5, 0.25]"));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, CancellationToken.None).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
