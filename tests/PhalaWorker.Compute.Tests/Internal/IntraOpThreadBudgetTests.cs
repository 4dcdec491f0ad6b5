using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Internal;

public sealed class IntraOpThreadBudgetTests
{
    [Test]
    public void Acquire_Alone_GetsWhatItWantsUpToTheBudget()
    {
        var budget = new IntraOpThreadBudget(4);

        using (var lease = budget.Acquire(3))
        {
            Assert.That(lease.Threads, Is.EqualTo(3));
            Assert.That(budget.InUse, Is.EqualTo(3));
        }

        using var all = budget.Acquire(16);
        Assert.That(all.Threads, Is.EqualTo(4));
    }

    [Test]
    public void Acquire_ConcurrentJobs_SplitTheBudgetAndNeverWait()
    {
        var budget = new IntraOpThreadBudget(4);

        var first = budget.Acquire(3);
        var second = budget.Acquire(3);
        var third = budget.Acquire(3);

        Assert.That(new[] { first.Threads, second.Threads, third.Threads }, Is.EqualTo(new[] { 3, 1, 1 }), "the rest, then one thread each: a job never waits");
        Assert.That(budget.InUse, Is.EqualTo(5), "at most max(budget, running jobs) + the first's share: here 4 + 1 job on its own thread");
        first.Dispose();
        first.Dispose(); // returned once
        Assert.That(budget.InUse, Is.EqualTo(2));
        using var fourth = budget.Acquire(3);
        Assert.That(fourth.Threads, Is.EqualTo(2));
        second.Dispose();
        third.Dispose();
    }

    [Test]
    public void Acquire_InvalidCounts_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IntraOpThreadBudget(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IntraOpThreadBudget(2).Acquire(0));
    }

    [Test]
    public void ComputeOptions_ThreadBudgetZero_IsOnePerCore()
    {
        Assert.That(new ComputeOptions().EffectiveThreadBudget, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(new ComputeOptions { ThreadBudget = 3 }.EffectiveThreadBudget, Is.EqualTo(3));
    }

    [Test]
    public void Run_WhileOtherJobsHoldTheBudget_LeasesItsShareAndReturnsIt()
    {
        using var backend = new ObservedBackend();
        var engine = new ComputeEngine(new ComputeOptions { Threads = 3, ThreadBudget = 4 }, backend);
        var model = engine.Load(OnnxTestData.ModelBytes("tiny_mlp"));
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(OnnxTestData.Model("tiny_mlp"), "test_data_set_0"), "input")
            .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToList();
        backend.OnBeginJob = () => backend.InUseWhileRunning.Add(engine.ThreadBudget.InUse);

        engine.Run(model, inputs, CancellationToken.None);
        using (engine.ThreadBudget.Acquire(3)) // another job holds three of the four threads
        {
            engine.Run(model, inputs, CancellationToken.None);
            Assert.That(engine.ThreadBudget.InUse, Is.EqualTo(3), "the run returned its lease");
        }

        Assert.That(backend.InUseWhileRunning, Is.EqualTo(new[] { 3, 4 }), "alone: its 3 threads; beside a 3-thread job: the one left");
        Assert.That(engine.ThreadBudget.InUse, Is.Zero);
    }

    private sealed class ObservedBackend : IComputeBackend
    {
        private readonly CpuBackend _cpu = new();

        public Action OnBeginJob { get; set; } = static () => { };

        public List<int> InUseWhileRunning { get; } = [];

        public string Name => _cpu.Name;

        public IOperatorKernel? TryCreateKernel(OperatorNode node) => _cpu.TryCreateKernel(node);

        public IDisposable BeginJob()
        {
            OnBeginJob();
            return _cpu.BeginJob();
        }

        public void Dispose() => _cpu.Dispose();
    }
}
