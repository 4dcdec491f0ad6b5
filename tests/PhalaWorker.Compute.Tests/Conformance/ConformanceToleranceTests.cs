using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Tests.Conformance;

/// <summary>The per-backend, per-op conformance tolerances: ONNX's everywhere but the CUDA dot-product ops' absolute term.</summary>
public sealed class ConformanceToleranceTests
{
    [Test]
    public void For_CpuBackends_AlwaysOnnxDefault()
    {
        Assert.That(ConformanceTolerance.For("cpu", ["MatMul", "Conv"]), Is.EqualTo(ConformanceTolerance.Onnx));
        Assert.That(ConformanceTolerance.For("ilgpu-cpu", ["MatMul"]), Is.EqualTo(ConformanceTolerance.Onnx));
        Assert.That(ConformanceTolerance.Onnx, Is.EqualTo(new ConformanceTolerance(1e-3, 1e-7)));
    }

    [Test]
    public void For_CudaModel_LoosestOverItsOps()
    {
        Assert.That(ConformanceTolerance.For("cuda", ["Relu", "Softmax"]), Is.EqualTo(ConformanceTolerance.Onnx));
        Assert.That(ConformanceTolerance.For("cuda", ["Relu", "Gemm"]), Is.EqualTo(new ConformanceTolerance(1e-3, 1e-5)));
    }

    [Test]
    public void Cuda_EntriesAreDeviceOpsAndNeverLoosenRelative()
    {
        foreach (var (op, t) in ConformanceTolerance.Cuda)
        {
            Assert.That(IlgpuNodeKernel.Handles(op), Is.True, op);
            Assert.That(t.Relative, Is.EqualTo(TensorComparer.DefaultRelativeTolerance), op);
            Assert.That(t.Absolute, Is.LessThanOrEqualTo(1e-5), op);
        }
    }

    [Test]
    public void Compare_NearZeroDotProductOff_ByFmaSizedError_PassesOnlyUnderCudaTolerance()
    {
        var expected = Tensor.FromArray([1e-6f, 2f], 2);
        var actual = Tensor.FromArray([4e-6f, 2.0001f], 2);
        var cuda = ConformanceTolerance.For("cuda", ["MatMul"]);

        Assert.That(TensorComparer.Compare(expected, actual), Is.Not.Null);
        Assert.That(TensorComparer.Compare(expected, actual, cuda.Relative, cuda.Absolute), Is.Null);
    }
}
