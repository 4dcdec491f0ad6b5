using System.Security.Cryptography;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Native;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Native;

public sealed class ShimRtmrExtenderTests : ShimTestBase
{
    [Test]
    public void Extend_FakeSysfs_WritesDigestToRtmrFile()
    {
        using var tree = FakeConfigFsTree.Create([]);
        tree.CreateMeasurements();
        var extender = new ShimRtmrExtender(tree.MeasurementsDirectory);
        var digest = SHA384.HashData("event"u8);

        extender.Extend(3, digest);

        Assert.That(File.ReadAllBytes(tree.RtmrPath(3)), Is.EqualTo(digest));
        Assert.That(extender.Read(3), Is.EqualTo(digest));
    }

    [Test]
    public void Extend_MissingMeasurements_NoProvider()
    {
        using var tree = FakeConfigFsTree.Create([]);
        var extender = new ShimRtmrExtender(tree.MeasurementsDirectory);

        var exception = Assert.Throws<TeeProviderException>(() => extender.Extend(3, new byte[48]));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NoProvider));
    }

    [Test]
    public void Record_HardwareExtender_ExtendsHardwareThenLog()
    {
        using var tree = FakeConfigFsTree.Create([]);
        tree.CreateMeasurements();
        var log = new RtmrEventLog(extender: new ShimRtmrExtender(tree.MeasurementsDirectory));

        var recorded = log.Record(RtmrEvent.AgentVersionType, "0.1.0");

        Assert.That(log.ExtendsHardware, Is.True);
        Assert.That(File.ReadAllBytes(tree.RtmrPath(3)), Is.EqualTo(recorded.Digest));
    }

    [Test]
    public void Record_HardwareExtendFails_EventNotLogged()
    {
        using var tree = FakeConfigFsTree.Create([]);
        var log = new RtmrEventLog(extender: new ShimRtmrExtender(tree.MeasurementsDirectory));

        Assert.That(() => log.Record(RtmrEvent.AgentVersionType, "0.1.0"), Throws.TypeOf<TeeProviderException>());
        Assert.That(log.Events, Is.Empty);
        Assert.That(log.CurrentValue.ToArray(), Is.All.Zero);
    }
}
