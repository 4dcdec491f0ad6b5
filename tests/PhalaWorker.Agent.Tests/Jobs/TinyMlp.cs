using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>The tiny_mlp test model (x f32[4x784] → probs f32[4x10]) and its input.</summary>
internal static class TinyMlp
{
    public static byte[] Model { get; } = TestData.ReadBytes("onnx", "models", "tiny_mlp", "model.onnx");

    public static byte[] Input { get; } = TestData.ReadBytes("onnx", "models", "tiny_mlp", "test_data_set_0", "input_0.pb");
}
