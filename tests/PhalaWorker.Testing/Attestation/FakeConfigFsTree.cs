using System.Globalization;

namespace PhalaWorker.Testing.Attestation;

/// <summary>
/// A fake configfs-tsm tree (and TDX sysfs/device stand-ins) in a temp directory, for tests of the native shim and the
/// quote providers: <c>&lt;Root&gt;/report/&lt;EntryName&gt;/{inblob,outblob,provider,generation}</c>. A real configfs creates the
/// attributes on mkdir and synthesizes outblob from inblob; a plain directory cannot, so the outblob is pre-populated
/// (<see cref="SetOutblob"/>) and generation bumps are simulated (<see cref="SetGeneration(ulong)"/>).
/// </summary>
public sealed class FakeConfigFsTree : IDisposable
{
    /// <summary>The entry name providers must be told to use.</summary>
    public const string DefaultEntryName = "phala-test";

    private FakeConfigFsTree(string baseDirectory, string entryName)
    {
        BaseDirectory = baseDirectory;
        EntryName = entryName;
        Root = Path.Combine(baseDirectory, "tsm");
        EntryDirectory = Path.Combine(Root, "report", entryName);
        MeasurementsDirectory = Path.Combine(baseDirectory, "measurements");
        TdxGuestDevicePath = Path.Combine(baseDirectory, "tdx_guest");
    }

    /// <summary>The temp directory holding everything.</summary>
    public string BaseDirectory { get; }

    /// <summary>The configfs-tsm root to pass as the provider's root.</summary>
    public string Root { get; }

    /// <summary>The report entry name.</summary>
    public string EntryName { get; }

    /// <summary>The report entry directory.</summary>
    public string EntryDirectory { get; }

    /// <summary>A fake sysfs measurements directory (<c>rtmr0..3:sha384</c>), created by <see cref="CreateMeasurements"/>.</summary>
    public string MeasurementsDirectory { get; }

    /// <summary>A path for a fake /dev/tdx_guest (a regular file: ioctls on it fail with ENOTTY), created by <see cref="CreateFakeDevice"/>.</summary>
    public string TdxGuestDevicePath { get; }

    /// <summary>Creates a tree with a TDX provider, generation 7 and the given outblob.</summary>
    public static FakeConfigFsTree Create(ReadOnlySpan<byte> outblob, string provider = "tdx_guest", string entryName = DefaultEntryName)
    {
        var baseDirectory = Path.Combine(Path.GetTempPath(), "phala-fake-tsm-" + Guid.NewGuid().ToString("N"));
        var tree = new FakeConfigFsTree(baseDirectory, entryName);
        Directory.CreateDirectory(tree.EntryDirectory);
        File.WriteAllBytes(Path.Combine(tree.EntryDirectory, "inblob"), []);
        tree.SetOutblob(outblob);
        tree.SetProvider(provider);
        tree.SetGeneration(7);
        return tree;
    }

    /// <summary>Creates a tree where configfs-tsm is mounted but no provider registered (no <c>report/</c> directory).</summary>
    public static FakeConfigFsTree CreateWithoutProvider()
    {
        var baseDirectory = Path.Combine(Path.GetTempPath(), "phala-fake-tsm-" + Guid.NewGuid().ToString("N"));
        var tree = new FakeConfigFsTree(baseDirectory, DefaultEntryName);
        Directory.CreateDirectory(tree.Root);
        return tree;
    }

    /// <summary>Replaces the outblob (what the "kernel" returns as the quote).</summary>
    public void SetOutblob(ReadOnlySpan<byte> outblob) => File.WriteAllBytes(Path.Combine(EntryDirectory, "outblob"), outblob.ToArray());

    /// <summary>Replaces the provider name.</summary>
    public void SetProvider(string provider) => File.WriteAllText(Path.Combine(EntryDirectory, "provider"), provider + "\n");

    /// <summary>Sets the generation counter.</summary>
    public void SetGeneration(ulong generation) => SetGeneration(EntryDirectory, generation);

    /// <summary>Sets the generation counter of an entry directory (for hooks that receive the entry path).</summary>
    public static void SetGeneration(string entryDirectory, ulong generation) =>
        File.WriteAllText(Path.Combine(entryDirectory, "generation"), generation.ToString(CultureInfo.InvariantCulture) + "\n");

    /// <summary>Reads the generation counter.</summary>
    public ulong ReadGeneration() => ulong.Parse(File.ReadAllText(Path.Combine(EntryDirectory, "generation")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>What the provider wrote to inblob.</summary>
    public byte[] ReadInblob() => File.ReadAllBytes(Path.Combine(EntryDirectory, "inblob"));

    /// <summary>Creates <see cref="MeasurementsDirectory"/> with four zero RTMR files.</summary>
    public void CreateMeasurements()
    {
        Directory.CreateDirectory(MeasurementsDirectory);
        for (var i = 0; i < 4; i++)
        {
            File.WriteAllBytes(RtmrPath(i), new byte[48]);
        }
    }

    /// <summary>The fake sysfs file of RTMR <paramref name="index"/>.</summary>
    public string RtmrPath(int index) => Path.Combine(MeasurementsDirectory, $"rtmr{index}:sha384");

    /// <summary>Creates a regular file standing in for /dev/tdx_guest.</summary>
    public void CreateFakeDevice() => File.WriteAllBytes(TdxGuestDevicePath, []);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(BaseDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
