namespace PhalaWorker.Attestation.Providers;

/// <summary>How the quote provider is chosen at start.</summary>
public enum TeeMode
{
    /// <summary>configfs-tsm, then /dev/tdx_guest; fail closed when neither works.</summary>
    Auto,

    /// <summary>configfs-tsm only.</summary>
    ConfigFsTsm,

    /// <summary>/dev/tdx_guest only.</summary>
    TdxGuest,

    /// <summary>The software-emulated TEE (asked for explicitly).</summary>
    Emulated,
}

/// <summary>Parses and formats the configuration names of <see cref="TeeMode"/>.</summary>
public static class TeeModeNames
{
    /// <summary>Parses <c>auto|configfs-tsm|tdx-guest|emulated</c> (case-insensitive).</summary>
    public static TeeMode Parse(string value) => value?.Trim().ToLowerInvariant() switch
    {
        "auto" => TeeMode.Auto,
        "configfs-tsm" => TeeMode.ConfigFsTsm,
        "tdx-guest" => TeeMode.TdxGuest,
        "emulated" => TeeMode.Emulated,
        _ => throw new ArgumentException($"Unknown TEE mode '{value}': expected auto, configfs-tsm, tdx-guest or emulated.", nameof(value)),
    };

    /// <summary>The configuration name of <paramref name="mode"/>.</summary>
    public static string ToName(TeeMode mode) => mode switch
    {
        TeeMode.Auto => "auto",
        TeeMode.ConfigFsTsm => "configfs-tsm",
        TeeMode.TdxGuest => "tdx-guest",
        TeeMode.Emulated => "emulated",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
