using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

public class AbiDecoderLimitsTests
{
    [Test]
    public void Decode_AliasedOffsetsBomb_ThrowsInsteadOfExploding()
    {
        // uint256[][][][][][] over 200 words that all hold 32: every offset and every count is 32, so each array has 32
        // elements whose offsets all alias the next array; naive decoding would visit 32^5 values from 6 KiB of data.
        var type = AbiType.Parse("uint256[][][][][][]");
        var word = new byte[32];
        word[31] = 32;
        var data = Enumerable.Repeat(word, 200).SelectMany(w => w).ToArray();

        Assert.That(() => AbiDecoder.Decode(type, data), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidAbi));
    }
}
