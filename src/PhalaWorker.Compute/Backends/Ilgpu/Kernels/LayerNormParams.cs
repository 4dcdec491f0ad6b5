namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Row length, epsilon and the lengths of the scale and bias vectors (bias 0 = none).</summary>
public readonly record struct LayerNormParams(int Size, float Epsilon, int ScaleLength, int BiasLength);
