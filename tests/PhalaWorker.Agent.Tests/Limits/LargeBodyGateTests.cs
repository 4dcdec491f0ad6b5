using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Limits;

/// <summary>
/// <see cref="LargeBodyGate"/>: at most MaxLargeBodies slots, a wait that gives up, and one memory-returning collection
/// after the last large body once the node is quiet (not one per body, none while a body is still held).
/// </summary>
public sealed class LargeBodyGateTests
{
    [Test]
    public async Task TryEnter_AllSlotsHeld_GivesUpAfterTheWaitAsync()
    {
        using var gate = Gate(new LimitsOptions { MaxLargeBodies = 2, LargeBodyWait = TimeSpan.FromMilliseconds(50) }, TimeProvider.System);

        var entered = new[] { await gate.TryEnterAsync(CancellationToken.None), await gate.TryEnterAsync(CancellationToken.None), await gate.TryEnterAsync(CancellationToken.None) };

        Assert.That(entered, Is.EqualTo(new[] { true, true, false }));
        Assert.That(gate.InUse, Is.EqualTo(2));
        gate.Exit();
        Assert.That(await gate.TryEnterAsync(CancellationToken.None), Is.True, "a freed slot is taken again");
    }

    [Test]
    public async Task Exit_LastLargeBodyThenQuiet_CollectsOnceAsync()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(new LimitsOptions { MaxLargeBodies = 2 }, time);

        // Two bodies back to back, one overlapping the other: collected once, after the last, when it is quiet.
        Assert.That(await gate.TryEnterAsync(CancellationToken.None), Is.True);
        Assert.That(await gate.TryEnterAsync(CancellationToken.None), Is.True);
        gate.Exit();
        time.Advance(LargeBodyGate.IdleDelay);
        await Task.Delay(50);
        Assert.That(gate.IdleCollections, Is.Zero, "a body is still held");
        gate.Exit();
        Assert.That(await gate.TryEnterAsync(CancellationToken.None), Is.True);
        gate.Exit();
        time.Advance(LargeBodyGate.IdleDelay);
        await WaitUntilAsync(() => gate.IdleCollections == 1);
        time.Advance(LargeBodyGate.IdleDelay * 5);
        await Task.Delay(50);

        Assert.That(gate.IdleCollections, Is.EqualTo(1));
    }

    [Test]
    public async Task Exit_ReleaseMemoryOff_NeverCollectsAsync()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(new LimitsOptions { ReleaseMemoryAfterLargeBodies = false }, time);

        Assert.That(await gate.TryEnterAsync(CancellationToken.None), Is.True);
        gate.Exit();
        time.Advance(LargeBodyGate.IdleDelay * 2);
        await Task.Delay(50);

        Assert.That(gate.IdleCollections, Is.Zero);
    }

    private static LargeBodyGate Gate(LimitsOptions options, TimeProvider time) => new(Options.Create(options), time);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var token = TaskTimeoutExtensions.DefaultTimeoutToken();
        while (!condition())
        {
            await Task.Delay(10, token);
        }
    }
}
