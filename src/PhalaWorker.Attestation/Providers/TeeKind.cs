namespace PhalaWorker.Attestation.Providers;

/// <summary>What produced a quote. Numbers match the gRPC <c>TeeType</c> enum.</summary>
public enum TeeKind
{
    /// <summary>Unknown.</summary>
    Unspecified = 0,

    /// <summary>A real Intel TDX TD (configfs-tsm or /dev/tdx_guest).</summary>
    Tdx = 1,

    /// <summary>The software-emulated TDX platform (<see cref="Emulation.EmulatedTee"/>). Never trusted by default.</summary>
    EmulatedTdx = 2,
}
