namespace PhalaWorker.Compute.Graph;

/// <summary>
/// A device-side copy of a tensor's data, attached by an accelerator backend (see <see cref="Tensor.AttachDeviceData"/>).
/// When the device copy is authoritative, the first host access calls <see cref="CopyToHost"/> once.
/// The engine disposes it when the tensor dies (last consumer ran) or the job ends.
/// </summary>
public interface ITensorDeviceData : IDisposable
{
    /// <summary>Copies the device data into <paramref name="tensor"/>'s host array (the first <see cref="Tensor.Length"/> elements).</summary>
    void CopyToHost(Tensor tensor);
}
