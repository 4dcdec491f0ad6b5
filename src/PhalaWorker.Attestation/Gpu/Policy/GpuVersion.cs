using System.Globalization;

namespace PhalaWorker.Attestation.Gpu.Policy;

/// <summary>Dotted versions compared part by part: driver versions are decimal (<c>550.90.07</c>), VBIOS versions hex (<c>96.00.9f.00.01</c>).</summary>
internal static class GpuVersion
{
    public enum Kind
    {
        Driver,
        Vbios,
    }

    public static long[]? TryParse(string version, Kind kind)
    {
        var parts = version.Split('.');
        if (parts.Length is < 1 or > 8)
        {
            return null;
        }

        var result = new long[parts.Length];
        var style = kind == Kind.Driver ? NumberStyles.None : NumberStyles.AllowHexSpecifier;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length is 0 or > 8 || !long.TryParse(parts[i], style, CultureInfo.InvariantCulture, out result[i]))
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>Negative, zero or positive as <paramref name="a"/> is below, equal to or above <paramref name="b"/>; missing parts count as 0.</summary>
    public static int Compare(long[] a, long[] b)
    {
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : 0;
            var y = i < b.Length ? b[i] : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        return 0;
    }
}
