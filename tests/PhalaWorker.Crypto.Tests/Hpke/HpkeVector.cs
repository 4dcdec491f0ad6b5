using System.Text.Json;
using PhalaWorker.Crypto.Hpke;

namespace PhalaWorker.Crypto.Tests.Hpke;

/// <summary>One RFC 9180 test vector from tests/testdata/hpke (all hex fields decoded).</summary>
public sealed class HpkeVector
{
    private HpkeVector(JsonElement json)
    {
        Mode = (HpkeMode)json.GetProperty("mode").GetInt32();
        Aead = (HpkeAead)json.GetProperty("aead_id").GetUInt16();
        KemId = json.GetProperty("kem_id").GetInt32();
        KdfId = json.GetProperty("kdf_id").GetInt32();
        Info = Hex(json, "info");
        IkmE = Hex(json, "ikmE");
        PkEm = Hex(json, "pkEm");
        SkEm = Hex(json, "skEm");
        IkmR = Hex(json, "ikmR");
        PkRm = Hex(json, "pkRm");
        SkRm = Hex(json, "skRm");
        Psk = Hex(json, "psk");
        PskId = Hex(json, "psk_id");
        IkmS = Hex(json, "ikmS");
        PkSm = Hex(json, "pkSm");
        SkSm = Hex(json, "skSm");
        Enc = Hex(json, "enc");
        SharedSecret = Hex(json, "shared_secret");
        Key = Hex(json, "key");
        BaseNonce = Hex(json, "base_nonce");
        ExporterSecret = Hex(json, "exporter_secret");
        Encryptions = [.. json.GetProperty("encryptions").EnumerateArray().Select(e => new Encryption(
            e.GetProperty("sequence_number").GetUInt64(), Hex(e, "pt"), Hex(e, "aad"), Hex(e, "nonce"), Hex(e, "ct")))];
        Exports = [.. json.GetProperty("exports").EnumerateArray().Select(e => new Export(
            Hex(e, "exporter_context"), e.GetProperty("L").GetInt32(), Hex(e, "exported_value")))];
    }

    internal HpkeMode Mode { get; }

    public HpkeAead Aead { get; }

    public int KemId { get; }

    public int KdfId { get; }

    public byte[] Info { get; }

    public byte[] IkmE { get; }

    public byte[] PkEm { get; }

    public byte[] SkEm { get; }

    public byte[] IkmR { get; }

    public byte[] PkRm { get; }

    public byte[] SkRm { get; }

    public byte[] Psk { get; }

    public byte[] PskId { get; }

    public byte[] IkmS { get; }

    public byte[] PkSm { get; }

    public byte[] SkSm { get; }

    public byte[] Enc { get; }

    public byte[] SharedSecret { get; }

    public byte[] Key { get; }

    public byte[] BaseNonce { get; }

    public byte[] ExporterSecret { get; }

    public IReadOnlyList<Encryption> Encryptions { get; }

    public IReadOnlyList<Export> Exports { get; }

    internal bool IsAuth => Mode is HpkeMode.Auth or HpkeMode.AuthPsk;

    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "testdata", "hpke", "rfc9180_x25519_vectors.json");

    public static IEnumerable<TestCaseData> All()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        foreach (JsonElement element in document.RootElement.EnumerateArray())
        {
            var vector = new HpkeVector(element);
            yield return new TestCaseData(vector).SetArgDisplayNames(vector.ToString());
        }
    }

    public override string ToString() => $"mode{(int)Mode}_{Mode}_{Aead}";

    private static byte[] Hex(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement value) ? Convert.FromHexString(value.GetString()!) : [];

    public sealed record Encryption(ulong SequenceNumber, byte[] Plaintext, byte[] Aad, byte[] Nonce, byte[] Ciphertext);

    public sealed record Export(byte[] Context, int Length, byte[] Value);
}
