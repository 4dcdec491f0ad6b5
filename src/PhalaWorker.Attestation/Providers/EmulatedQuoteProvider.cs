using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;

namespace PhalaWorker.Attestation.Providers;

/// <summary>
/// Quotes from the software-emulated TDX platform (<see cref="EmulatedTee"/>). RTMR3 is taken from the attached
/// <see cref="RtmrEventLog"/> (if any) so the quote's RTMR3 equals the replay of the agent's own events, as on hardware.
/// </summary>
public sealed class EmulatedQuoteProvider : IQuoteProvider
{
    private readonly ILogger _logger;

    /// <summary>Creates a provider over <paramref name="tee"/>.</summary>
    public EmulatedQuoteProvider(EmulatedTee tee, EmulatedTdMeasurements? measurements = null, RtmrEventLog? eventLog = null, ILogger<EmulatedQuoteProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tee);
        Tee = tee;
        Measurements = measurements ?? EmulatedTdMeasurements.Default;
        Measurements.Validate();
        EventLog = eventLog;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "emulated";

    /// <inheritdoc />
    public TeeKind Kind => TeeKind.EmulatedTdx;

    /// <summary>The emulated platform (its root certificate and collateral verify the quotes).</summary>
    public EmulatedTee Tee { get; }

    /// <summary>The TD measurements reported (RTMR3 overridden by <see cref="EventLog"/> when attached).</summary>
    public EmulatedTdMeasurements Measurements { get; }

    /// <summary>The RTMR3 event log whose replay the quotes report, if any.</summary>
    public RtmrEventLog? EventLog { get; }

    /// <inheritdoc />
    public ValueTask<byte[]> GetQuoteAsync(ReadOnlyMemory<byte> reportData64, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (reportData64.Length != 64)
        {
            throw new ArgumentException("report_data must be 64 bytes.", nameof(reportData64));
        }

        var measurements = Measurements;
        if (EventLog is not null)
        {
            measurements = measurements.WithRtmr(EventLog.RtmrIndex, EventLog.CurrentValue.Span);
        }

        var quote = Tee.CreateQuote(reportData64.Span, measurements);
        AttestationLog.QuoteGenerated(_logger, Name, quote.Length);
        return ValueTask.FromResult(quote);
    }
}
