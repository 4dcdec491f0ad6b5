using ILGPU;
using ILGPU.Runtime;
using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

public sealed class IlgpuBufferPoolTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    [Test]
    public void Rent_AfterJobEnded_ReturnsSameBufferZeroed()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator);
        var secret = Enumerable.Range(1, 1000).Select(i => (float)i).ToArray();
        var first = pool.Rent(secret.Length);
        ((ArrayView<float>)first.View).SubView(0, secret.Length).CopyFromCPU(secret.AsSpan());

        pool.EndJob();
        var second = pool.Rent(secret.Length);

        Assert.That(second, Is.SameAs(first), "the pool reuses the buffer");
        var content = second.GetAsArray1D();
        Assert.That(content, Has.Length.EqualTo(IlgpuBufferPool<float>.BucketCapacity(secret.Length)));
        Assert.That(content, Is.All.EqualTo(0f));
    }

    [Test]
    public void EndJob_ZeroesBuffersReturnedDuringTheJob()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator);
        var buffer = pool.Rent(300);
        ((ArrayView<float>)buffer.View).SubView(0, 3).CopyFromCPU(new float[] { 7f, 8f, 9f }.AsSpan());
        pool.Return(buffer);

        pool.EndJob();

        Assert.That(pool.RentedCount, Is.Zero);
        Assert.That(pool.Rent(300).GetAsArray1D(), Is.All.EqualTo(0f));
    }

    [Test]
    public void Rent_WithinJob_ReusesReturnedBuffersByCapacity()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator);
        var a = pool.Rent(100);
        pool.Return(a);

        var b = pool.Rent(200);
        var c = pool.Rent(600);

        Assert.That(b, Is.SameAs(a));
        Assert.That(c, Is.Not.SameAs(a));
        Assert.That(c.Length, Is.EqualTo(1024));
        Assert.That(() => pool.Return(a), Throws.Nothing);
        Assert.That(() => pool.Return(a), Throws.InvalidOperationException);
    }

    [Test]
    public void Rent_FreshAllocation_IsZeroed()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator);

        var buffer = pool.Rent(5000);

        Assert.That(buffer.GetAsArray1D(), Is.All.EqualTo(0f));
    }

    [Test]
    public void Operators_NextJobAfterMatMul_SeesOnlyZeroedBuffers()
    {
        var a = RandomData(161, 16 * 16, 1f, 2f);
        var y = Ops.MatMul(Up(a, 16, 16), Up(a, 16, 16));
        var rented = y.Buffer;

        Device.EndJob();
        var next = Device.FloatPool.Rent(rented.Length);

        Assert.That(next.GetAsArray1D(), Is.All.EqualTo(0f));
    }
}
