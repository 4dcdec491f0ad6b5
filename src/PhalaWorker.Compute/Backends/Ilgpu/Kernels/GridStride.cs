namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Grid-stride loop bounds: a kernel launched over <see cref="Stride"/> threads handles indices i, i + Stride, ... below
/// <see cref="Count"/>. Launch size is capped at the accelerator's resident thread count, which keeps ILGPU's CPU
/// accelerator (where each group costs a rendezvous of real threads) to a handful of groups per launch.
/// </summary>
public readonly record struct GridStride(int Count, int Stride);
