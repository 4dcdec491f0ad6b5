namespace PhalaWorker.Compute.Internal;

/// <summary>Best-fit choice among free arrays, shared by the per-job allocator and the cross-job buffer cache.</summary>
internal static class FreeArrayList
{
    /// <summary>Removes and returns the smallest array in <paramref name="free"/> with at least <paramref name="length"/> elements, or null.</summary>
    public static Array? TakeBestFit(List<Array> free, int length)
    {
        var best = -1;
        for (var i = 0; i < free.Count; i++)
        {
            var len = free[i].Length;
            if (len >= length && (best < 0 || len < free[best].Length))
            {
                best = i;
            }
        }

        if (best < 0)
        {
            return null;
        }

        var a = free[best];
        free.RemoveAt(best);
        return a;
    }
}
