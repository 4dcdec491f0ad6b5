namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Three ints passed to a kernel as one argument (keeps kernel signatures short).</summary>
public readonly record struct Int3(int X, int Y, int Z);
