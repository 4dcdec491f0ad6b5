using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Attestation.Gpu.Spdm;

// FsCheck supplies the arguments of [Property] methods; the NUnit analyzer does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Attestation.Tests.Gpu;

/// <summary>
/// Seeded random mutations and truncations of the real H100 report: the parser either decodes a structurally consistent
/// report or throws <see cref="GpuEvidenceFormatException"/> naming a field; any other exception fails the property.
/// </summary>
public sealed class GpuAttestationReportParserPropertyTests
{
    // Length fields (record length, first block size and value size, opaque length, first TLV length) and codes.
    private static readonly int[] FieldOffsets = [0, 1, 2, 37, 38, 41, 42, 43, 47, 49, 51, 3597, 3599, 3601];

    private static readonly byte[] RealReport = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", "gpu-attestation", "attestation_report.bin"));

    /// <summary>One edit: kind 0 flip bit, 1 set byte, 2 truncate, 3 write u16 at a field, 4 write a byte at a field, 5 insert, 6 delete.</summary>
    public sealed record Mutation(int Kind, int Position, uint Value);

    public static class Arbitraries
    {
        public static Arbitrary<Mutation[]> Mutations()
        {
            var one = from kind in Gen.Choose(0, 6)
                      from position in Gen.Choose(0, 4200)
                      from field in Gen.Elements(FieldOffsets)
                      from value in Gen.Elements(0u, 1u, 2u, 3u, 4u, 0x30u, 0x33u, 0x40u, 0x60u, 0x7Fu, 0xFFu, 0xFFFFu, 48u, 51u, 422u, 3520u)
                      from random in Gen.Choose(0, int.MaxValue)
                      select new Mutation(kind, kind is 3 or 4 ? field : position, kind is 3 or 4 ? value : (uint)random);
            return Gen.ArrayOf(one).Where(m => m.Length is > 0 and <= 6).ToArbitrary();
        }
    }

    [FsCheck.NUnit.Property(MaxTest = 3000, Replay = "(4412093,2207)", Arbitrary = [typeof(Arbitraries)])]
    public bool Parse_MutatedReport_DecodesConsistentlyOrThrowsFormatException(Mutation[] mutations) => Holds(Apply(RealReport, mutations));

    [FsCheck.NUnit.Property(MaxTest = 1000, Replay = "(77713,91)")]
    public bool Parse_RandomBytes_NeverThrowsAnythingElse(byte[] bytes) => Holds(bytes);

    [Test]
    public void Parse_EveryTruncation_ThrowsFormatException()
    {
        var report = RealReport;
        for (var length = 0; length < report.Length; length++)
        {
            var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(report.AsSpan(0, length)), $"length {length}");
            Assert.That(ex!.Field, Is.Not.Empty);
        }
    }

    private static bool Holds(byte[] input)
    {
        try
        {
            var report = GpuAttestationReportParser.Parse(input);
            var blocks = report.Response.Blocks.Sum(b => 4 + b.MeasurementSize);
            var opaque = report.Response.OpaqueFields.Sum(f => 4 + f.Value.Length);
            return blocks == report.Response.MeasurementRecordLength
                   && opaque == report.Response.OpaqueLength
                   && SpdmMeasurementRequest.Size + 8 + blocks + 32 + 2 + opaque + 96 == input.Length;
        }
        catch (GpuEvidenceFormatException ex)
        {
            return ex.Field.Length > 0;
        }
    }

    private static byte[] Apply(byte[] source, Mutation[] mutations)
    {
        var data = source.ToList();
        foreach (var m in mutations)
        {
            if (data.Count == 0)
            {
                break;
            }

            var pos = m.Position % data.Count;
            switch (m.Kind)
            {
                case 0:
                    data[pos] ^= (byte)(1 << (int)(m.Value % 8));
                    break;
                case 1:
                    data[pos] = (byte)m.Value;
                    break;
                case 2:
                    data.RemoveRange(pos, data.Count - pos);
                    break;
                case 3 when m.Position + 2 <= data.Count:
                    data[m.Position] = (byte)m.Value;
                    data[m.Position + 1] = (byte)(m.Value >> 8);
                    break;
                case 4 when m.Position < data.Count:
                    data[m.Position] = (byte)m.Value;
                    break;
                case 5:
                    data.Insert(pos, (byte)m.Value);
                    break;
                case 6:
                    data.RemoveAt(pos);
                    break;
            }
        }

        return [.. data];
    }
}
