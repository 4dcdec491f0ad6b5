namespace PhalaWorker.Attestation.Providers;

/// <summary>Produces a TDX quote binding 64 bytes of report data.</summary>
public interface IQuoteProvider
{
    /// <summary>A short name for logs: <c>configfs-tsm</c>, <c>tdx-guest</c> or <c>emulated</c>.</summary>
    string Name { get; }

    /// <summary>Real TDX or emulated.</summary>
    TeeKind Kind { get; }

    /// <summary>Returns a quote whose TD report carries <paramref name="reportData64"/>.</summary>
    /// <exception cref="TeeProviderException">The TEE failed (reason enum says how).</exception>
    ValueTask<byte[]> GetQuoteAsync(ReadOnlyMemory<byte> reportData64, CancellationToken ct);
}
