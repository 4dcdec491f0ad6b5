using System.Security.Cryptography;
using System.Text;

namespace PhalaWorker.Attestation.EventLog;

/// <summary>
/// One measurement extended into an RTMR: <see cref="Digest"/> = SHA-384(<see cref="EventData"/>), as the gRPC
/// <c>MeasurementEvent</c> carries it.
/// </summary>
/// <param name="RtmrIndex">The RTMR extended (the agent uses 3).</param>
/// <param name="EventType">What was measured, e.g. <c>agent-version</c>, <c>agent-digest</c>, <c>setting</c>.</param>
/// <param name="EventData">The measured payload.</param>
/// <param name="Digest">SHA-384 of <paramref name="EventData"/> (48 bytes).</param>
public sealed record RtmrEvent(int RtmrIndex, string EventType, byte[] EventData, byte[] Digest)
{
    /// <summary>Event type of the agent version measurement (payload: UTF-8 version string).</summary>
    public const string AgentVersionType = "agent-version";

    /// <summary>Event type of the agent binary digest (payload: the 32-byte <see cref="Measurement.AgentDigest"/>).</summary>
    public const string AgentDigestType = "agent-digest";

    /// <summary>Event type of one security-relevant setting (payload: UTF-8 <c>name=value</c>, see <see cref="Measurement.MeasuredSettings"/>).</summary>
    public const string SettingType = "setting";

    /// <summary>Creates an event, computing its digest.</summary>
    public static RtmrEvent Create(int rtmrIndex, string eventType, ReadOnlySpan<byte> eventData)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        RtmrEventLog.CheckIndex(rtmrIndex);
        return new RtmrEvent(rtmrIndex, eventType, eventData.ToArray(), SHA384.HashData(eventData));
    }

    /// <summary>Creates an event over a UTF-8 string payload.</summary>
    public static RtmrEvent Create(int rtmrIndex, string eventType, string eventData) =>
        Create(rtmrIndex, eventType, Encoding.UTF8.GetBytes(eventData));

    /// <summary>True when <see cref="Digest"/> is the SHA-384 of <see cref="EventData"/>.</summary>
    public bool IsDigestConsistent() =>
        Digest is { Length: RtmrEventLog.DigestLength } && CryptographicOperations.FixedTimeEquals(SHA384.HashData(EventData), Digest);

    /// <summary>The payload as text when it is printable UTF-8, else hex (for reports).</summary>
    public string DescribeData()
    {
        try
        {
            var text = new UTF8Encoding(false, true).GetString(EventData);
            return text.All(c => !char.IsControl(c)) ? text : Convert.ToHexStringLower(EventData);
        }
        catch (DecoderFallbackException)
        {
            return Convert.ToHexStringLower(EventData);
        }
    }
}
