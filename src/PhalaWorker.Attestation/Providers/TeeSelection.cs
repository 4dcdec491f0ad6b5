using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;

namespace PhalaWorker.Attestation.Providers;

/// <summary>The TEE chosen at start: the quote provider, the RTMR3 event log wired to it, and the emulated TEE when emulated.</summary>
/// <param name="Mode">The configured mode.</param>
/// <param name="Provider">The quote provider.</param>
/// <param name="EventLog">The agent's RTMR3 event log (extends the hardware RTMR on TDX; read by emulated quotes).</param>
/// <param name="EmulatedTee">The emulated platform (root certificate, collateral) when <see cref="Provider"/> is emulated.</param>
public sealed record TeeSelection(TeeMode Mode, IQuoteProvider Provider, RtmrEventLog EventLog, EmulatedTee? EmulatedTee)
{
    /// <summary>Real or emulated TDX.</summary>
    public TeeKind Kind => Provider.Kind;
}
