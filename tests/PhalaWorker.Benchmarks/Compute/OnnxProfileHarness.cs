using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// Per-operator time of the CPU backend on one model: <c>harness onnx-profile MODEL_DIR [threads] [runs]</c>. Warms up for
/// 1.5 s first (tiered JIT), then reports the mean per run of every op and the time outside kernels (engine overhead).
/// </summary>
public sealed class OnnxProfileHarness : IHarness
{
    public string Name => "onnx-profile";

    public async Task<int> RunAsync(string[] args)
    {
        var folder = args[0];
        var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var backend = new TimingBackend();
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, backend);
        var model = engine.Load(await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")));
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
            .Select(b => (string.Empty, TensorProtoConverter.Deserialize(b, long.MaxValue, "in"))).ToList();
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            engine.RunTensors(model, inputs, CancellationToken.None);
        }

        backend.Times.Clear();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            engine.RunTensors(model, inputs, CancellationToken.None);
        }

        var perRun = total.Elapsed.TotalMilliseconds / runs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {perRun:F4} ms/run; outside kernels {perRun - (backend.Times.Values.Sum() / runs):F4} ms"));
        foreach (var (op, t) in backend.Times.OrderByDescending(p => p.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{op,-24} {t / runs:F4} ms"));
        }

        return 0;
    }

    private sealed class TimingBackend : IComputeBackend
    {
        public Dictionary<string, double> Times { get; } = [];

        public string Name => "cpu";

        public IOperatorKernel? TryCreateKernel(OperatorNode node) => new Timed(this, (node.Domain.Length > 0 ? "fused:" : string.Empty) + node.OpType, CpuKernels.Get(node));

        public IDisposable BeginJob() => new CpuBackend().BeginJob();

        public void Dispose()
        {
        }

        private sealed class Timed(TimingBackend owner, string op, IOperatorKernel inner) : IOperatorKernel
        {
            public void Execute(KernelContext context)
            {
                var sw = Stopwatch.StartNew();
                inner.Execute(context);
                owner.Times[op] = owner.Times.GetValueOrDefault(op) + sw.Elapsed.TotalMilliseconds;
            }
        }
    }
}
