namespace PhalaWorker.Attestation.Tests;

/// <summary>Locates tests/testdata/attestation (linked into the test output).</summary>
internal static class AttestationTestData
{
    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "attestation");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static string Text(string name) => File.ReadAllText(PathOf(name));

    public static byte[] Quote => Bytes("tdx_quote_v4.bin");

    public static string CollateralJson => Text("collateral.json");

    /// <summary>The README's fixed "now" giving UpToDate.</summary>
    public static readonly DateTimeOffset GoodTime = new(2025, 7, 1, 0, 0, 0, TimeSpan.Zero);
}
