using PhalaWorker.Attestation.Native;
using PhalaWorker.Attestation.Providers;

namespace PhalaWorker.Attestation.Tests.Native;

public sealed class TeeShimTests : ShimTestBase
{
    [Test]
    public void AbiVersion_Loaded_MatchesManagedExpectation()
    {
        Assert.That(TeeShim.AbiVersion(), Is.EqualTo(TeeShim.ExpectedAbiVersion));
        Assert.That(TeeShim.LoadedPath, Does.EndWith("libphala_tee.so"));
    }

    [Test]
    public void StrError_EachStatus_DistinctText()
    {
        var texts = Enumerable.Range(0, 7).Select(i => TeeShim.StrError(-i)).ToArray();

        Assert.That(texts, Is.Unique);
        Assert.That(TeeShim.StrError(TeeShim.ErrGenerationRace), Does.Contain("generation race"));
    }

    [TestCase(TeeShim.ErrNoProvider, TeeErrorReason.NoProvider)]
    [TestCase(TeeShim.ErrGenerationRace, TeeErrorReason.GenerationRace)]
    [TestCase(TeeShim.ErrShortOutblob, TeeErrorReason.ShortOutput)]
    [TestCase(TeeShim.ErrIo, TeeErrorReason.IoError)]
    [TestCase(TeeShim.ErrBufferTooSmall, TeeErrorReason.BufferTooSmall)]
    [TestCase(TeeShim.ErrInvalidArgument, TeeErrorReason.InvalidArgument)]
    public void Failure_Status_MapsToReason(int status, TeeErrorReason reason)
    {
        var exception = TeeShim.Failure("op", status, osError: 2);

        Assert.That(exception.TeeReason, Is.EqualTo(reason));
        Assert.That(exception.Message, Does.StartWith("op: ").And.Contain("errno 2"));
        Assert.That(exception.IsTransient, Is.EqualTo(reason == TeeErrorReason.GenerationRace));
    }
}
