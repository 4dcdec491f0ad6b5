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

    [Test]
    public void EndJob_FreeBytesOverCap_FreesLeastRecentlyUsedFirst()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator) { MaxFreeBytes = 8 * 1024 };
        var small = pool.Rent(256); // 1 KiB
        var medium = pool.Rent(1024); // 4 KiB
        var large = pool.Rent(2048); // 8 KiB
        pool.Return(small);
        pool.Return(large);
        pool.Return(medium);

        pool.EndJob();

        // 13 KiB free over an 8 KiB cap: the two least recently returned (small, then large) go; medium stays.
        Assert.That(pool.FreeBytes, Is.LessThanOrEqualTo(pool.MaxFreeBytes));
        Assert.That(pool.FreeCapacities(), Is.EqualTo(new long[] { 1024 }));
        Assert.That(pool.TrimmedCount, Is.EqualTo(2));
        Assert.That(pool.AllocatedBytes, Is.EqualTo(4 * 1024));
        Assert.That(pool.Rent(1000), Is.SameAs(medium), "the kept buffer is reused");
    }

    [Test]
    public void Rent_FreshAllocationOverCap_TrimsOtherSizesFirst()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator) { MaxFreeBytes = 8 * 1024 };
        pool.Return(pool.Rent(1024));
        pool.Return(pool.Rent(512));
        pool.EndJob();
        Assert.That(pool.FreeBytes, Is.EqualTo(6 * 1024));

        var big = pool.Rent(2048); // 8 KiB fresh: only 0 bytes of free buffers may stay next to it

        Assert.That(pool.FreeCount, Is.Zero);
        Assert.That(pool.TrimmedCount, Is.EqualTo(2));
        Assert.That(pool.AllocatedBytes, Is.EqualTo(big.LengthInBytes));
        pool.Return(big);
        pool.EndJob();
        Assert.That(pool.FreeBytes, Is.LessThanOrEqualTo(pool.MaxFreeBytes));
    }

    [Test]
    public void Jobs_RepeatedSameSizes_ReuseWithoutAllocatingOrTrimming()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator) { MaxFreeBytes = 64 * 1024 };
        for (var job = 0; job < 5; job++)
        {
            var a = pool.Rent(3000);
            var b = pool.Rent(700);
            pool.Return(b);
            var c = pool.Rent(600);
            Assert.That(c, Is.SameAs(b));
            pool.EndJob();
            Assert.That(pool.AllocatedBytes, Is.EqualTo((4096 + 1024) * sizeof(float)));
        }

        Assert.That(pool.TrimmedCount, Is.Zero);
    }

    [Test]
    public void EndJob_ZeroCap_FreesEverything()
    {
        using var pool = new IlgpuBufferPool<float>(Device.Accelerator) { MaxFreeBytes = 0 };
        var kept = pool.Rent(5000);

        pool.EndJob();

        Assert.That(pool.FreeCount, Is.Zero);
        Assert.That(pool.AllocatedBytes, Is.Zero);
        Assert.That(pool.Rent(5000), Is.Not.SameAs(kept));
    }
}
