using PhalaWorker.Cli.Commands;
using PhalaWorker.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>The tiny_mlp model (Gemm, Relu, Softmax; x f32[4x784] → probs f32[4x10]) and its expected output.</summary>
internal static class TinyMlp
{
    public static byte[] Model => TestData.ReadBytes("onnx", "models", "tiny_mlp", "model.onnx");

    public static byte[] Input => TestData.ReadBytes("onnx", "models", "tiny_mlp", "test_data_set_0", "input_0.pb");

    public static byte[] ExpectedOutput => TestData.ReadBytes("onnx", "models", "tiny_mlp", "test_data_set_0", "output_0.pb");

    public static string ModelPath => TestData.Path("onnx", "models", "tiny_mlp", "model.onnx");

    public static string InputPath => TestData.Path("onnx", "models", "tiny_mlp", "test_data_set_0", "input_0.pb");

    public static JobSpec Spec() => new(Model, [("x", Input)]);

    /// <summary>ONNX's comparison: |got − expected| ≤ atol + rtol·|expected| with rtol 1e-3, atol 1e-7.</summary>
    public static void AssertMatchesExpected(ReadOnlySpan<byte> outputTensor)
    {
        var got = SubmitTensorSummary.Decode(outputTensor);
        var expected = SubmitTensorSummary.Decode(ExpectedOutput);
        Assert.That(got.Dims, Is.EqualTo(expected.Dims), "shape");
        Assert.That(got.DataType, Is.EqualTo(expected.DataType), "dtype");
        Assert.That(got.Values, Has.Count.EqualTo(expected.Values.Count));
        for (var i = 0; i < got.Values.Count; i++)
        {
            Assert.That(got.Values[i], Is.EqualTo(expected.Values[i]).Within(1e-7 + (1e-3 * Math.Abs(expected.Values[i]))), $"element {i}");
        }
    }
}
