using PhalaWorker.Attestation.EventLog;

namespace PhalaWorker.Attestation.Measurement;

/// <summary>
/// The agent's RTMR3 event log, in order: <c>agent-version</c> (UTF-8), <c>agent-digest</c> (the 32-byte
/// <see cref="AgentDigest"/>), then one <c>setting</c> event per <see cref="MeasuredSettings"/> entry (<c>name=value</c>).
/// The agent records it at start; <c>measurements show</c> builds the same list for a release; verifiers read it back with
/// <see cref="Read"/>.
/// </summary>
public static class AgentMeasurements
{
    /// <summary>The events for a version, a binary digest and the measured settings, in measurement order.</summary>
    public static IReadOnlyList<RtmrEvent> Events(string agentVersion, ReadOnlySpan<byte> agentDigest, IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentVersion);
        ArgumentNullException.ThrowIfNull(settings);
        if (agentDigest.Length != AgentDigest.Length)
        {
            throw new ArgumentException($"the agent digest is {AgentDigest.Length} bytes", nameof(agentDigest));
        }

        var events = new List<RtmrEvent>
        {
            RtmrEvent.Create(RtmrEventLog.AgentRtmrIndex, RtmrEvent.AgentVersionType, agentVersion),
            RtmrEvent.Create(RtmrEventLog.AgentRtmrIndex, RtmrEvent.AgentDigestType, agentDigest),
        };
        foreach (var (name, value) in settings)
        {
            if (!MeasuredSettings.IsValidName(name))
            {
                throw new ArgumentException($"'{name}' is not a valid setting name", nameof(settings));
            }

            events.Add(RtmrEvent.Create(RtmrEventLog.AgentRtmrIndex, RtmrEvent.SettingType, MeasuredSettings.Format(name, value)));
        }

        return events;
    }

    /// <summary>Records <see cref="Events"/> into the node's log (extending the hardware RTMR3 on TDX).</summary>
    public static void Record(RtmrEventLog log, string agentVersion, ReadOnlySpan<byte> agentDigest, IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (var rtmrEvent in Events(agentVersion, agentDigest, settings))
        {
            log.Record(rtmrEvent.EventType, rtmrEvent.EventData);
        }
    }

    /// <summary>
    /// Reads a node's RTMR3 events back: exactly one <c>agent-digest</c> (32 bytes), at most one <c>agent-version</c>,
    /// each setting at most once, no other event types. Returns null and the reason when the log is not of that shape.
    /// </summary>
    public static MeasuredAgent? Read(IReadOnlyList<RtmrEvent> events, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(events);
        string? version = null;
        byte[]? digest = null;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var rtmrEvent = events[i];
            switch (rtmrEvent.EventType)
            {
                case RtmrEvent.AgentVersionType when version is null:
                    version = System.Text.Encoding.UTF8.GetString(rtmrEvent.EventData);
                    break;
                case RtmrEvent.AgentDigestType when digest is null && rtmrEvent.EventData.Length == AgentDigest.Length:
                    digest = rtmrEvent.EventData;
                    break;
                case RtmrEvent.SettingType:
                    var payload = System.Text.Encoding.UTF8.GetString(rtmrEvent.EventData);
                    if (!MeasuredSettings.TryParse(payload, out var name, out var value))
                    {
                        reason = $"event {i} (setting) is not name=value";
                        return null;
                    }

                    if (!settings.TryAdd(name, value))
                    {
                        reason = $"event {i} measures setting '{name}' a second time";
                        return null;
                    }

                    break;
                default:
                    reason = $"event {i} ({rtmrEvent.EventType}) is unexpected: the agent log holds one agent-version, one 32-byte agent-digest and setting events";
                    return null;
            }
        }

        if (digest is null)
        {
            reason = "the RTMR3 event log carries no agent-digest event";
            return null;
        }

        reason = null;
        return new MeasuredAgent(version, digest, settings);
    }
}
