using PhalaWorker.Attestation.Native;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Native;

/// <summary>Skips (with the reason) when native/build/libphala_tee.so is not built.</summary>
public abstract class ShimTestBase
{
    [SetUp]
    public void RequireShim()
    {
        if (NativeShimLocator.Find() is null || !TeeShim.IsAvailable)
        {
            Assert.Ignore($"{NativeShimLocator.SkipReason}: {TeeShim.UnavailableReason}");
        }
    }
}
