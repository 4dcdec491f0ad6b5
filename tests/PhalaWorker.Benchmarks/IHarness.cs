namespace PhalaWorker.Benchmarks;

/// <summary>A measurement run by <c>dotnet run -c Release -- harness NAME</c>; prints its figures and returns an exit code.</summary>
public interface IHarness
{
    string Name { get; }

    Task<int> RunAsync(string[] args);
}
