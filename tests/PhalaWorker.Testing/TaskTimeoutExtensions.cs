using System.Diagnostics;

namespace PhalaWorker.Testing;

/// <summary>Bounds every await in tests (CONVENTIONS.md 21).</summary>
/// <remarks>Named like grpc-dotnet's test helper (<c>.DefaultTimeout()</c>), which every test project here calls; hence no Async suffix.</remarks>
#pragma warning disable VSTHRD200
public static class TaskTimeoutExtensions
{
    /// <summary>The default bound: generous on a loaded 2-core machine, still far from a hang.</summary>
    public static TimeSpan DefaultTimeoutSpan { get; } = Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(DefaultTimeoutSpan);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(DefaultTimeoutSpan);

    public static Task DefaultTimeout(this ValueTask task) => task.AsTask().WaitAsync(DefaultTimeoutSpan);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(DefaultTimeoutSpan);

    /// <summary>A token cancelled after <see cref="DefaultTimeoutSpan"/>.</summary>
    public static CancellationToken DefaultTimeoutToken()
    {
        var cts = new CancellationTokenSource(DefaultTimeoutSpan);
        return cts.Token;
    }
}
#pragma warning restore VSTHRD200
