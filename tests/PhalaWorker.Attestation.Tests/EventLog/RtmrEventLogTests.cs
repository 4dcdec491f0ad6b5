using System.Security.Cryptography;
using PhalaWorker.Attestation.EventLog;

namespace PhalaWorker.Attestation.Tests.EventLog;

public sealed class RtmrEventLogTests
{
    // Independently computed with python hashlib: r = sha384(r || sha384(data)) from 48 zero bytes.
    private const string AfterVersion = "468a837a61471b843d813a00644eca0da0185d826ddeddb4c5a8431467e82d88f252448b0a78591cb3cda19044c96088";
    private const string AfterConfig = "71664d7ccdd0a9af512e4cb828cd3a4aad71b2989194cdcfe512aba336a93dab10796d1e17263316e14803e16a8e1105";

    [Test]
    public void Record_TwoEvents_MatchesIndependentReplay()
    {
        var log = new RtmrEventLog();

        log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        Assert.That(Convert.ToHexStringLower(log.CurrentValue.Span), Is.EqualTo(AfterVersion));
        log.Record(RtmrEvent.AgentDigestType, Enumerable.Repeat((byte)0xaa, 32).ToArray());

        Assert.That(Convert.ToHexStringLower(log.CurrentValue.Span), Is.EqualTo(AfterConfig));
        Assert.That(RtmrEventLog.Replay(log.Events), Is.EqualTo(log.CurrentValue.ToArray()));
        Assert.That(log.Events, Has.Count.EqualTo(2));
        Assert.That(log.Events[0].RtmrIndex, Is.EqualTo(3));
    }

    [Test]
    public void Replay_NoEvents_Zero()
    {
        Assert.That(RtmrEventLog.Replay([]), Is.EqualTo(new byte[48]));
    }

    [Test]
    public void Verify_MatchingQuote_MatchesWithEvents()
    {
        var log = new RtmrEventLog();
        log.Record(RtmrEvent.AgentVersionType, "0.1.0");

        var result = RtmrEventLog.Verify(log.Events, log.CurrentValue.Span);

        Assert.That(result.Matches, Is.True);
        Assert.That(result.Reason, Is.Null);
        Assert.That(result.Events.Single().DescribeData(), Is.EqualTo("0.1.0"));
    }

    [Test]
    public void Verify_ReorderedEvents_Mismatch()
    {
        var log = new RtmrEventLog();
        log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        log.Record(RtmrEvent.AgentDigestType, "config");

        var result = RtmrEventLog.Verify(log.Events.Reverse().ToArray(), log.CurrentValue.Span);

        Assert.That(result.Matches, Is.False);
        Assert.That(result.Reason, Does.Contain("replays to RTMR3"));
    }

    [Test]
    public void Verify_TamperedEventData_ReportsInconsistentDigest()
    {
        var log = new RtmrEventLog();
        var recorded = log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        var tampered = recorded with { EventData = "9.9.9"u8.ToArray() };

        var result = RtmrEventLog.Verify([tampered], log.CurrentValue.Span);

        Assert.That(result.Matches, Is.False);
        Assert.That(result.Reason, Does.Contain("agent-version").And.Contain("not SHA-384"));
    }

    [Test]
    public void Verify_OtherRtmrEvents_Ignored()
    {
        var log = new RtmrEventLog();
        log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        var events = log.Events.Append(RtmrEvent.Create(2, "kernel", "x")).ToArray();

        Assert.That(RtmrEventLog.Verify(events, log.CurrentValue.Span).Matches, Is.True);
    }

    [Test]
    public void Extend_WrongLength_Throws()
    {
        Assert.That(() => RtmrEventLog.Extend(new byte[48], new byte[32]), Throws.ArgumentException);
        Assert.That(() => new RtmrEventLog(4), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Create_Digest_IsSha384OfData()
    {
        var rtmrEvent = RtmrEvent.Create(3, "t", [1, 2, 3]);

        Assert.That(rtmrEvent.Digest, Is.EqualTo(SHA384.HashData(new byte[] { 1, 2, 3 })));
        Assert.That(rtmrEvent.IsDigestConsistent(), Is.True);
        Assert.That(rtmrEvent.DescribeData(), Is.EqualTo("010203"));
    }
}
