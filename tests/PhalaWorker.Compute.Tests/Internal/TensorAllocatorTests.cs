using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Tests.Internal;

public sealed class TensorAllocatorTests
{
    [Test]
    public void Allocate_Uninitialized_PoisonedWhenAsked()
    {
        using var allocator = new TensorAllocator(1000, 1 << 20, poisonUninitialized: true);

        var t = allocator.Allocate(DataType.Float, new TensorShape(4), null, clear: false);

        Assert.That(t.AsReadOnlySpan<float>().ToArray(), Has.All.NaN);
    }

    [Test]
    public void Allocate_ReusedWithinJob_ZeroedOnlyWhenCleared()
    {
        using var allocator = new TensorAllocator(1000, 1 << 20);
        var first = allocator.Allocate(DataType.Float, new TensorShape(4), null);
        allocator.Retain(first);
        first.AsSpan<float>().Fill(7f);
        allocator.Release(first);

        var reused = allocator.Allocate(DataType.Float, new TensorShape(4), null, clear: false);
        var reusedValues = reused.AsReadOnlySpan<float>().ToArray();
        allocator.Retain(reused);
        allocator.Release(reused);
        var cleared = allocator.Allocate(DataType.Float, new TensorShape(4), null);

        Assert.That(reused.RawStorage, Is.SameAs(first.RawStorage));
        Assert.That(reusedValues, Is.EqualTo(new[] { 7f, 7f, 7f, 7f }), "this job's own data");
        Assert.That(cleared.RawStorage, Is.SameAs(first.RawStorage));
        Assert.That(cleared.AsReadOnlySpan<float>().ToArray(), Is.EqualTo(new float[4]));
    }

    [Test]
    public void Dispose_ZeroesEverythingBeforeCaching()
    {
        var cache = new BufferCache();
        var allocator = new TensorAllocator(1000, 1 << 20, cache);
        var t = allocator.Allocate(DataType.Float, new TensorShape(4), null);
        t.AsSpan<float>().Fill(3f);

        allocator.Dispose();
        var next = cache.Take(DataType.Float, 4);

        Assert.That(next, Is.SameAs(t.RawStorage));
        Assert.That((float[])next!, Is.EqualTo(new float[4]));
    }
}
