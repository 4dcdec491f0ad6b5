using System.Reflection;
using BenchmarkDotNet.Running;
using PhalaWorker.Benchmarks;

// `harness NAME [args]` runs a small harness (IHarness) that measures what BenchmarkDotNet cannot
// (an external process such as anvil or dcap-qvl side by side); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "harness")
{
    var harnesses = typeof(IHarness).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(IHarness).IsAssignableFrom(t))
        .Select(t => (IHarness)Activator.CreateInstance(t)!)
        .ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
    if (args.Length < 2 || !harnesses.TryGetValue(args[1], out var harness))
    {
        Console.Error.WriteLine($"usage: harness <{string.Join('|', harnesses.Keys.Order())}> [args]");
        return 2;
    }

    return await harness.RunAsync(args[2..]);
}

BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args);
return 0;
