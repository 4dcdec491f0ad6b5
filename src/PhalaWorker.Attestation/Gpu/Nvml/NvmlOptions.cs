using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>Where NVML is loaded from and how long one NVML call may take.</summary>
public sealed class NvmlOptions
{
    /// <summary>An explicit NVML library file (e.g. the fake <c>native/build/libfake_nvidia_ml.so</c>).</summary>
    /// <value>Default null: <c>libnvidia-ml.so.1</c> from the system library path.</value>
    public string? LibraryPath { get; set; }

    /// <summary>The deadline of each NVML call; past it NVML is treated as hung and the GPU as unusable.</summary>
    /// <value>Default 30 s (an H100 attestation report takes well under a second).</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
