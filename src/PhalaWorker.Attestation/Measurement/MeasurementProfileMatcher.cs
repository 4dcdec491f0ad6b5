using System.Security.Cryptography;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Measurement;

/// <summary>
/// The client's measurement policy: a TD is accepted when its MRTD and RTMR0–2 (from the verified quote) and its RTMR3
/// event log (already replayed against the quote's RTMR3) match one accepted profile in full — the agent digest and every
/// required setting with exactly the profile's value. A refusal names, per profile, the first thing that differs.
/// </summary>
public static class MeasurementProfileMatcher
{
    /// <summary>Matches the quote body and its (replayed) RTMR3 events against <paramref name="profiles"/>.</summary>
    public static MeasurementVerdict Match(TdReportBody body, IReadOnlyList<RtmrEvent> events, IReadOnlyList<MeasurementProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(profiles);
        var agent = AgentMeasurements.Read(events, out var logReason);
        if (agent is null)
        {
            return new MeasurementVerdict(false, null, logReason);
        }

        if (profiles.Count == 0)
        {
            return new MeasurementVerdict(false, null, "no measurement profile is accepted (give one, or trust any measurement explicitly)");
        }

        var reasons = new List<string>(profiles.Count);
        foreach (var profile in profiles)
        {
            var difference = FirstDifference(body, agent, profile);
            if (difference is null)
            {
                return new MeasurementVerdict(true, profile, null);
            }

            reasons.Add($"profile '{profile.Name}': {difference}");
        }

        return new MeasurementVerdict(false, null, string.Join("; ", reasons));
    }

    private static string? FirstDifference(TdReportBody body, MeasuredAgent agent, MeasurementProfile profile) =>
        Register("MRTD", profile.MrTd, body.MrTd)
        ?? Register("RTMR0", profile.Rtmr0, body.Rtmr0)
        ?? Register("RTMR1", profile.Rtmr1, body.Rtmr1)
        ?? Register("RTMR2", profile.Rtmr2, body.Rtmr2)
        ?? (CryptographicOperations.FixedTimeEquals(profile.AgentDigest, agent.Digest)
            ? null
            : $"event agent-digest expected {Convert.ToHexStringLower(profile.AgentDigest)}, actual {Convert.ToHexStringLower(agent.Digest)}")
        ?? Settings(profile, agent);

    private static string? Register(string name, byte[] expected, byte[] actual) =>
        expected.AsSpan().SequenceEqual(actual) ? null : $"{name} expected {Convert.ToHexStringLower(expected)}, actual {Convert.ToHexStringLower(actual)}";

    private static string? Settings(MeasurementProfile profile, MeasuredAgent agent)
    {
        foreach (var (name, expected) in profile.RequiredSettings.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!agent.Settings.TryGetValue(name, out var actual))
            {
                return $"setting {name} expected '{expected}', not measured";
            }

            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                return $"setting {name} expected '{expected}', actual '{actual}'";
            }
        }

        return null;
    }
}
