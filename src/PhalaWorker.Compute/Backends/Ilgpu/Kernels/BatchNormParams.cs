namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Channel count, elements per channel plane and epsilon for BatchNormalization.</summary>
public readonly record struct BatchNormParams(int Channels, int Inner, float Epsilon);
