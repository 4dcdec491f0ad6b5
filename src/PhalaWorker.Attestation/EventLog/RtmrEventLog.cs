using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PhalaWorker.Attestation.EventLog;

/// <summary>
/// The agent's own measurements (agent version, binary digest, settings: <see cref="Measurement.AgentMeasurements"/>) as RTMR events. Recording an event extends the
/// replayed value (RTMR = SHA-384(RTMR ‖ digest), starting from 48 zero bytes) and, on hardware, the real RTMR through an
/// <see cref="IRtmrExtender"/>; in emulation the emulated quote reports <see cref="CurrentValue"/>. Verifiers call
/// <see cref="Replay"/> / <see cref="Verify"/> on the events a node publishes. Thread-safe.
/// </summary>
public sealed class RtmrEventLog
{
    /// <summary>Length of an RTMR and of an event digest (SHA-384).</summary>
    public const int DigestLength = 48;

    /// <summary>The RTMR the agent's events go to.</summary>
    public const int AgentRtmrIndex = 3;

    private readonly Lock _gate = new();
    private readonly List<RtmrEvent> _events = [];
    private readonly IRtmrExtender? _extender;
    private readonly ILogger _logger;
    private byte[] _value = new byte[DigestLength];

    /// <summary>Creates an empty log for <paramref name="rtmrIndex"/>; <paramref name="extender"/> is the hardware RTMR (null in emulation).</summary>
    public RtmrEventLog(int rtmrIndex = AgentRtmrIndex, IRtmrExtender? extender = null, ILogger<RtmrEventLog>? logger = null)
    {
        CheckIndex(rtmrIndex);
        RtmrIndex = rtmrIndex;
        _extender = extender;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The RTMR this log extends.</summary>
    public int RtmrIndex { get; }

    /// <summary>True when a hardware RTMR is extended too.</summary>
    public bool ExtendsHardware => _extender is not null;

    /// <summary>The events recorded so far, in order.</summary>
    public IReadOnlyList<RtmrEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The value the recorded events replay to (what the quote's RTMR must show).</summary>
    public ReadOnlyMemory<byte> CurrentValue
    {
        get
        {
            lock (_gate)
            {
                return _value.ToArray();
            }
        }
    }

    /// <summary>Records an event: extends the hardware RTMR (if any) first, then the log.</summary>
    public RtmrEvent Record(string eventType, ReadOnlySpan<byte> eventData)
    {
        var rtmrEvent = RtmrEvent.Create(RtmrIndex, eventType, eventData);
        lock (_gate)
        {
            // Hardware first: if the extend fails, the log must not claim the event.
            _extender?.Extend(RtmrIndex, rtmrEvent.Digest);
            _value = Extend(_value, rtmrEvent.Digest);
            _events.Add(rtmrEvent);
        }

        AttestationLog.RtmrExtended(_logger, RtmrIndex, eventType, rtmrEvent.DescribeData(), Convert.ToHexStringLower(rtmrEvent.Digest));
        return rtmrEvent;
    }

    /// <summary>Records a UTF-8 text event.</summary>
    public RtmrEvent Record(string eventType, string eventData) => Record(eventType, System.Text.Encoding.UTF8.GetBytes(eventData));

    /// <summary>RTMR extend: SHA-384(<paramref name="rtmr"/> ‖ <paramref name="digest"/>).</summary>
    public static byte[] Extend(ReadOnlySpan<byte> rtmr, ReadOnlySpan<byte> digest)
    {
        if (rtmr.Length != DigestLength || digest.Length != DigestLength)
        {
            throw new ArgumentException($"RTMR and digest must be {DigestLength} bytes.");
        }

        Span<byte> buffer = stackalloc byte[2 * DigestLength];
        rtmr.CopyTo(buffer);
        digest.CopyTo(buffer[DigestLength..]);
        return SHA384.HashData(buffer);
    }

    /// <summary>Replays <paramref name="events"/> from 48 zero bytes. Events for other RTMRs are skipped when <paramref name="rtmrIndex"/> is given.</summary>
    public static byte[] Replay(IEnumerable<RtmrEvent> events, int? rtmrIndex = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var value = new byte[DigestLength];
        foreach (var rtmrEvent in events)
        {
            if (rtmrIndex is null || rtmrEvent.RtmrIndex == rtmrIndex)
            {
                value = Extend(value, rtmrEvent.Digest);
            }
        }

        return value;
    }

    /// <summary>
    /// Verifier side: checks every event's digest against its data, replays the events of <paramref name="rtmrIndex"/>
    /// and compares with <paramref name="quotedRtmr"/>.
    /// </summary>
    public static RtmrReplayResult Verify(IReadOnlyList<RtmrEvent> events, ReadOnlySpan<byte> quotedRtmr, int rtmrIndex = AgentRtmrIndex)
    {
        ArgumentNullException.ThrowIfNull(events);
        var selected = events.Where(e => e.RtmrIndex == rtmrIndex).ToArray();
        var replayed = Replay(selected);
        var quoted = quotedRtmr.ToArray();
        for (var i = 0; i < selected.Length; i++)
        {
            if (!selected[i].IsDigestConsistent())
            {
                return new RtmrReplayResult(false, rtmrIndex, replayed, quoted, selected,
                    $"event {i} ({selected[i].EventType}): digest is not SHA-384 of its data");
            }
        }

        if (quoted.Length != DigestLength)
        {
            return new RtmrReplayResult(false, rtmrIndex, replayed, quoted, selected, $"quoted RTMR{rtmrIndex} is {quoted.Length} bytes, expected {DigestLength}");
        }

        var matches = CryptographicOperations.FixedTimeEquals(replayed, quoted);
        return new RtmrReplayResult(matches, rtmrIndex, replayed, quoted, selected,
            matches ? null : $"event log replays to RTMR{rtmrIndex} {Convert.ToHexStringLower(replayed)}, quote has {Convert.ToHexStringLower(quoted)}");
    }

    internal static void CheckIndex(int rtmrIndex)
    {
        if (rtmrIndex is < 0 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(rtmrIndex), rtmrIndex, "RTMR index must be 0..3.");
        }
    }
}
