using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

/// <summary>Runs a kernel fixture on the CPU accelerator and (when present) on CUDA; each test is its own job.</summary>
[TestFixture(IlgpuDeviceKind.CpuAccelerator)]
[TestFixture(IlgpuDeviceKind.Cuda)]
public abstract class IlgpuKernelTestBase
{
    protected IlgpuKernelTestBase(IlgpuDeviceKind kind)
    {
        Kind = kind;
    }

    internal IlgpuDeviceKind Kind { get; }

    /// <summary>The run-wide shared device (owned and disposed by <see cref="IlgpuTestDevices"/>).</summary>
    internal IlgpuDevice Device => IlgpuTestDevices.Get(Kind);

    internal IlgpuOperators Ops { get; private set; } = null!;

    [OneTimeSetUp]
    public void CreateDevice()
    {
        Ops = new IlgpuOperators(Device);
    }

    [TearDown]
    public void EndJob()
    {
        if (Ops is not null)
        {
            Device.EndJob();
        }
    }

    internal IlgpuTensor Up(float[] data, params int[] shape) => Ops.Upload(data, shape);

    internal static float[] RandomData(int seed, int length, float min = -2f, float max = 2f)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = min + ((float)random.NextDouble() * (max - min));
        }

        return data;
    }

    internal static void AssertClose(float[] actual, float[] expected, float rtol = 1e-5f, float atol = 1e-6f)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            if (float.IsNaN(e))
            {
                Assert.That(a, Is.NaN, $"element {i}");
                continue;
            }

            if (float.IsInfinity(e))
            {
                Assert.That(a, Is.EqualTo(e), $"element {i}");
                continue;
            }

            Assert.That(Math.Abs(a - e), Is.LessThanOrEqualTo(atol + (rtol * Math.Abs(e))), $"element {i}: got {a}, expected {e}");
        }
    }
}
