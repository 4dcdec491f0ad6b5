using ILGPU;
using ILGPU.Runtime;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>A float32 tensor resident in a pooled device buffer (row-major, dense).</summary>
internal sealed class IlgpuTensor
{
    public IlgpuTensor(MemoryBuffer1D<float, Stride1D.Dense> buffer, int[] shape)
    {
        Buffer = buffer;
        Shape = shape;
        Length = IlgpuShapes.Size(shape);
    }

    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    public int[] Shape { get; }

    public int Length { get; }

    public int Rank => Shape.Length;

    /// <summary>The tensor's elements (a prefix of the pooled buffer). A zero-length tensor gets a one-element view so kernels can still bind it.</summary>
    public ArrayView<float> View => Buffer.View.SubView(0, Math.Max(Length, 1));
}
