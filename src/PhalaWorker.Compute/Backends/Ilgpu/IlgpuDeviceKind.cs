namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>Which ILGPU accelerator runs the kernels.</summary>
public enum IlgpuDeviceKind
{
    /// <summary>ILGPU's CPU accelerator (simulates GPU threads; used in tests and CI).</summary>
    CpuAccelerator = 0,

    /// <summary>The first NVIDIA GPU found through CUDA.</summary>
    Cuda = 1,
}
