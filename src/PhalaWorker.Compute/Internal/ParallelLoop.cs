namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Parallel loops over fixed partitions: work item i always computes the same outputs with the same reduction order,
/// so results never depend on the thread count.
/// </summary>
internal static class ParallelLoop
{
    /// <summary>Runs <paramref name="body"/> for 0..count-1 on up to <paramref name="threads"/> threads (inline when 1 or tiny).</summary>
    public static void For(int count, int threads, Action<int> body, CancellationToken cancellationToken = default)
    {
        if (threads <= 1 || count <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, body);
    }

    /// <summary>Splits [0, total) into chunks of at least <paramref name="minChunk"/> and runs them in parallel.</summary>
    public static void ForRange(long total, int threads, long minChunk, Action<long, long> body)
    {
        if (threads <= 1 || total <= minChunk)
        {
            body(0, total);
            return;
        }

        var chunks = (int)Math.Min(threads * 4L, (total + minChunk - 1) / minChunk);
        var size = (total + chunks - 1) / chunks;
        For(chunks, threads, c =>
        {
            var start = c * size;
            var end = Math.Min(total, start + size);
            if (start < end)
            {
                body(start, end);
            }
        });
    }
}
