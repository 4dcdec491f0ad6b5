using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Attestation.Tdx;

// FsCheck supplies the arguments of [Property] methods; the NUnit analyzer does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Attestation.Tests.Tdx;

/// <summary>
/// Seeded random mutations of real and re-encoded quotes: the parser either decodes (and then re-encodes byte-exactly) or
/// throws <see cref="QuoteFormatException"/>; any other exception (an out-of-range read would be one) fails the property.
/// </summary>
public sealed class QuoteParserPropertyTests
{
    // Length/type fields of the v4 layout (the mutations hit them often: they are where parsers go wrong).
    private static readonly int[] FieldOffsets = [0, 2, 4, 48, 50, 632, 764, 766, 1218, 1252, 1254];

    private static readonly byte[] RealQuote = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", "attestation", "tdx_quote_v4.bin"));

    private static readonly byte[] V5Quote = MakeV5();

    /// <summary>One edit: kind 0 flip byte, 1 set byte, 2 truncate, 3 write u16 at a field, 4 write u32 at a field, 5 insert byte, 6 delete byte.</summary>
    public sealed record Mutation(int Kind, int Position, uint Value);

    public static class Arbitraries
    {
        public static Arbitrary<Mutation[]> Mutations()
        {
            var one = from kind in Gen.Choose(0, 6)
                      from position in Gen.Choose(0, 6000)
                      from field in Gen.Elements(FieldOffsets)
                      from value in Gen.Elements(0u, 1u, 2u, 3u, 4u, 5u, 6u, 0x7Fu, 0xFFu, 0xFFFFu, 0x10000u, 0x7FFFFFFFu, 0xFFFFFFFFu, 584u, 648u, 4300u, 4166u, 32u)
                      from random in Gen.Choose(0, int.MaxValue)
                      select new Mutation(kind, kind is 3 or 4 ? field : position, kind is 3 or 4 ? value : (uint)random);
            return Gen.ArrayOf(one).Where(m => m.Length is > 0 and <= 6).ToArbitrary();
        }
    }

    [FsCheck.NUnit.Property(MaxTest = 3000, Replay = "(8837421,1191)", Arbitrary = [typeof(Arbitraries)])]
    public bool Parse_MutatedV4_DecodesByteExactOrThrowsQuoteFormatException(Mutation[] mutations) => Holds(Apply(RealQuote, mutations));

    [FsCheck.NUnit.Property(MaxTest = 1500, Replay = "(1234577,4321)", Arbitrary = [typeof(Arbitraries)])]
    public bool Parse_MutatedV5_DecodesByteExactOrThrowsQuoteFormatException(Mutation[] mutations) => Holds(Apply(V5Quote, mutations));

    [FsCheck.NUnit.Property(MaxTest = 1000, Replay = "(99991,77)")]
    public bool Parse_RandomBytes_NeverThrowsAnythingElse(byte[] bytes) => Holds(bytes);

    [FsCheck.NUnit.Property(MaxTest = 300, Replay = "(5551,13)")]
    public bool Parse_RealQuoteWithRandomTrailingBytes_RoundTrips(byte[] trailing)
    {
        var input = RealQuote[..4936].Concat(trailing).ToArray();
        var quote = QuoteParser.Parse(input);
        return quote.TrailingBytes.SequenceEqual(trailing) && QuoteWriter.Write(quote).SequenceEqual(input);
    }

    [TestCaseSource(nameof(CorpusEntries))]
    public void Parse_CorpusEntry_GivesRecordedOutcome(string name, string expected)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AttestationTestData.Directory, "corpus", name + ".bin"));

        if (expected == "OK")
        {
            var quote = QuoteParser.Parse(bytes);
            Assert.That(QuoteWriter.Write(quote), Is.EqualTo(bytes));
        }
        else
        {
            var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));
            Assert.That(ex!.Field, Is.EqualTo(expected));
        }
    }

    public static IEnumerable<TestCaseData> CorpusEntries()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", "attestation", "corpus", "expected.txt");
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            yield return new TestCaseData(parts[0], parts[1]).SetArgDisplayNames(parts[0]);
        }
    }

    private static bool Holds(byte[] input)
    {
        try
        {
            var quote = QuoteParser.Parse(input);
            return QuoteWriter.Write(quote).AsSpan().SequenceEqual(input);
        }
        catch (QuoteFormatException ex)
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
                case 4 when m.Position + 4 <= data.Count:
                    for (var i = 0; i < 4; i++)
                    {
                        data[m.Position + i] = (byte)(m.Value >> (8 * i));
                    }

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

    private static byte[] MakeV5()
    {
        var v4 = QuoteParser.Parse(RealQuote);
        var bytes = QuoteWriter.Write(v4 with
        {
            Header = v4.Header with { Version = 5 },
            Body = v4.Body with { TeeTcbSvn2 = new byte[16], MrServiceTd = new byte[48] },
        });
        return BinaryPrimitives.ReadUInt16LittleEndian(bytes) == 5 ? bytes : throw new InvalidOperationException();
    }
}
