using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Tests.Policy;

public sealed class AttestationPolicyTests
{
    [Test]
    public void Strict_Defaults_UpToDateOnlyNoEmulationNoDebug()
    {
        var policy = AttestationPolicy.Strict;

        Assert.Multiple(() =>
        {
            Assert.That(policy.MinimumTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(policy.AllowedAdvisoryIds, Is.Empty);
            Assert.That(policy.AllowDebug, Is.False);
            Assert.That(policy.AllowEmulated, Is.False);
            Assert.That(policy.AllowMrServiceTd, Is.False);
            Assert.That(policy.MaxCollateralAge, Is.Null);
            Assert.That(policy.Accepts(TcbStatus.UpToDate), Is.True);
            Assert.That(policy.Accepts(TcbStatus.SWHardeningNeeded), Is.False);
        });
    }

    [Test]
    public void FromJson_FullFile_ReadsEveryField()
    {
        var policy = AttestationPolicy.FromJson("""
            {
              // comments are allowed
              "minimumTcbStatus": "SWHardeningNeeded",
              "allowedAdvisoryIds": ["INTEL-SA-00615"],
              "allowedMrTd": ["91eb"],
              "allowedRtmr0": ["aa"], "allowedRtmr1": ["bb"], "allowedRtmr2": ["cc"], "allowedRtmr3": ["dd"],
              "allowedMrConfigId": ["ee"],
              "allowDebug": false,
              "allowEmulated": true,
              "allowMrServiceTd": true,
              "maxCollateralAge": "30.00:00:00",
            }
            """);

        Assert.Multiple(() =>
        {
            Assert.That(policy.MinimumTcbStatus, Is.EqualTo(TcbStatus.SWHardeningNeeded));
            Assert.That(policy.AllowedAdvisoryIds, Is.EqualTo(new[] { "INTEL-SA-00615" }));
            Assert.That(policy.AllowedMrTd, Is.EqualTo(new[] { "91eb" }));
            Assert.That(policy.AllowedRtmr3, Is.EqualTo(new[] { "dd" }));
            Assert.That(policy.AllowedMrConfigId, Is.EqualTo(new[] { "ee" }));
            Assert.That(policy.AllowEmulated, Is.True);
            Assert.That(policy.AllowMrServiceTd, Is.True);
            Assert.That(policy.MaxCollateralAge, Is.EqualTo(TimeSpan.FromDays(30)));
            Assert.That(policy.Accepts(TcbStatus.SWHardeningNeeded), Is.True);
            Assert.That(policy.Accepts(TcbStatus.OutOfDate), Is.False);
        });
    }

    [Test]
    public void FromJson_OneMember_KeepsTheStrictDefaultsOfTheOthers()
    {
        var policy = AttestationPolicy.FromJson("""{ "allowEmulated": true }""");

        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowEmulated, Is.True);
            Assert.That(policy.AllowedAdvisoryIds, Is.Not.Null.And.Empty, "left out: the strict default (none), not null");
            Assert.That(policy.MinimumTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(policy.ToJson(), Is.EqualTo((AttestationPolicy.Strict with { AllowEmulated = true }).ToJson()));
        });
    }

    [Test]
    public void ToJson_RoundTrips()
    {
        var policy = AttestationPolicy.Strict with { MinimumTcbStatus = TcbStatus.OutOfDate, AllowedMrTd = ["ab"], MaxCollateralAge = TimeSpan.FromHours(6) };

        var back = AttestationPolicy.FromJson(policy.ToJson());

        Assert.Multiple(() =>
        {
            Assert.That(back.MinimumTcbStatus, Is.EqualTo(TcbStatus.OutOfDate));
            Assert.That(back.AllowedMrTd, Is.EqualTo(new[] { "ab" }));
            Assert.That(back.MaxCollateralAge, Is.EqualTo(TimeSpan.FromHours(6)));
        });
    }

    [TestCase("""{ "minimumTcbStatus": "Great" }""")]
    [TestCase("""{ "allowEmulatd": true }""")]
    [TestCase("""not json""")]
    public void FromJson_Invalid_PolicyFormat(string json)
    {
        var ex = Assert.Throws<AttestationException>(() => AttestationPolicy.FromJson(json));

        Assert.That(ex!.Reason, Is.EqualTo(AttestationErrorReason.PolicyFormat));
    }

    [Test]
    public void Accepts_Revoked_NeverEvenWithLowestMinimum()
    {
        var policy = AttestationPolicy.Strict with { MinimumTcbStatus = TcbStatus.Revoked };

        Assert.That(policy.Accepts(TcbStatus.Revoked), Is.False);
    }
}
