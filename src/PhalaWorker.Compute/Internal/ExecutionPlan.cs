using System.Collections.Concurrent;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Compute.Internal;

/// <summary>
/// A loaded graph compiled to value slots: every value name is an index into one array, so a run does no string
/// lookups. Per node: input and output slots, and the slots whose last reader it is (released after it runs).
/// Also keeps a small pool of <see cref="RunState"/>s, so steady-state runs allocate no per-node objects.
/// </summary>
internal sealed class ExecutionPlan
{
    private readonly ConcurrentBag<RunState> _states = [];
    private readonly int _maxPooledStates = Math.Max(2, Environment.ProcessorCount);

    public ExecutionPlan(LoadedGraph graph)
    {
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        int Slot(string name) => slots.TryGetValue(name, out var s) ? s : slots[name] = slots.Count;

        GraphInputSlots = graph.Inputs.Select(i => Slot(i.Name)).ToArray();
        InputPositions = graph.Inputs.Select((v, i) => (v.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        Constants = graph.Constants.Select(p => (Slot(p.Key), p.Value)).ToArray();
        var lastUse = new Dictionary<int, int>();
        var nodes = graph.Nodes;
        InputSlots = new int[nodes.Count][];
        OutputSlots = new int[nodes.Count][];
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            InputSlots[n] = node.Inputs.Select(i => i.Length == 0 ? -1 : Slot(i)).ToArray();
            OutputSlots[n] = node.Outputs.Select(o => o.Length == 0 ? -1 : Slot(o)).ToArray();
            foreach (var s in InputSlots[n].Concat(OutputSlots[n]).Where(s => s >= 0))
            {
                lastUse[s] = n;
            }
        }

        GraphOutputSlots = graph.Outputs.Select(o => Slot(o.Name)).ToArray();
        foreach (var s in GraphOutputSlots)
        {
            lastUse[s] = int.MaxValue;
        }

        var constantSlots = Constants.Select(c => c.Slot).ToHashSet();
        var dying = new List<int>[nodes.Count];
        for (var n = 0; n < dying.Length; n++)
        {
            dying[n] = [];
        }

        foreach (var (slot, node) in lastUse)
        {
            if (node != int.MaxValue && !constantSlots.Contains(slot))
            {
                dying[node].Add(slot);
            }
        }

        DyingAfter = dying.Select(d => d.Order().ToArray()).ToArray();
        SlotCount = slots.Count;
        var read = new HashSet<int>(InputSlots.SelectMany(s => s).Concat(GraphOutputSlots));
        UsedOutputs = OutputSlots.Select(o => o.Select(s => s >= 0 && read.Contains(s)).ToArray()).ToArray();
        ConstantInputs = InputSlots.Select(i => i.Select(constantSlots.Contains).ToArray()).ToArray();
    }

    public int SlotCount { get; }

    /// <summary>Slot of each graph input, by position.</summary>
    public int[] GraphInputSlots { get; }

    /// <summary>Position of each graph input, by name.</summary>
    public IReadOnlyDictionary<string, int> InputPositions { get; }

    public int[] GraphOutputSlots { get; }

    public (int Slot, Tensor Tensor)[] Constants { get; }

    /// <summary>Per node, the slot of each input (−1 for an absent optional input).</summary>
    public int[][] InputSlots { get; }

    /// <summary>Per node, the slot of each output (−1 for an unnamed output).</summary>
    public int[][] OutputSlots { get; }

    /// <summary>Per node, the slots whose last reader it is.</summary>
    public int[][] DyingAfter { get; }

    /// <summary>Per node, which outputs some node or the graph output reads.</summary>
    public bool[][] UsedOutputs { get; }

    /// <summary>Per node, which inputs are model constants.</summary>
    public bool[][] ConstantInputs { get; }

    /// <summary>A run state for one job (pooled; return it with <see cref="Return"/>).</summary>
    public RunState Rent(LoadedGraph graph, long maxElements, long maxBytes, BufferCache cache, bool poisonUninitialized)
    {
        if (_states.TryTake(out var state))
        {
            state.Allocator.Begin(maxElements, maxBytes);
            return state;
        }

        return new RunState(this, graph, new TensorAllocator(maxElements, maxBytes, cache, poisonUninitialized));
    }

    /// <summary>Ends the job of <paramref name="state"/> (buffers zeroed and cached, references dropped) and pools it.</summary>
    public void Return(RunState state)
    {
        state.End();
        if (_states.Count < _maxPooledStates)
        {
            _states.Add(state);
        }
    }
}

/// <summary>What one run needs besides the plan: the value slots, one reusable context per node, and the allocator.</summary>
internal sealed class RunState
{
    public RunState(ExecutionPlan plan, LoadedGraph graph, TensorAllocator allocator)
    {
        Allocator = allocator;
        Values = new Tensor?[plan.SlotCount];
        Contexts = new KernelContext[graph.Nodes.Count];
        Arguments = new Tensor?[graph.Nodes.Count][];
        for (var n = 0; n < Contexts.Length; n++)
        {
            Arguments[n] = new Tensor?[plan.InputSlots[n].Length];
            Contexts[n] = new KernelContext(graph.Nodes[n], Arguments[n], allocator, 1, CancellationToken.None, plan.ConstantInputs[n], plan.UsedOutputs[n]);
        }
    }

    public TensorAllocator Allocator { get; }

    public Tensor?[] Values { get; }

    public KernelContext[] Contexts { get; }

    /// <summary>Per node, its input array (shared with its context, refilled before each execution).</summary>
    public Tensor?[][] Arguments { get; }

    public void End()
    {
        Allocator.Dispose();
        Array.Clear(Values);
        foreach (var c in Contexts)
        {
            c.Clear();
        }
    }
}
