using System.Diagnostics;
using System.Globalization;

namespace PhalaWorker.Cli.Internal;

/// <summary>
/// A one-line status for long work (waiting for a job's inclusion on chain, a benchmark's warm-up and runs), redrawn in place
/// on stderr: only when stderr is a terminal (<see cref="CliContext.ErrorIsTerminal"/>), so logs, pipes and <c>--json</c>
/// readers never see it. Redraws at most every 100 ms and clears the line when disposed.
/// </summary>
internal sealed class CliProgress : IDisposable
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter? _error;
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Timer? _ticker;
    private TimeSpan _lastDraw = -MinInterval;
    private string _status = "";
    private int _width;
    private bool _disposed;

    /// <param name="error">stderr.</param>
    /// <param name="enabled">Draw at all (stderr is a terminal).</param>
    /// <param name="tick">Redraw the elapsed time this often even without a new status (null: only on <see cref="Report"/>).</param>
    public CliProgress(TextWriter error, bool enabled, TimeSpan? tick = null)
    {
        _error = enabled ? error : null;
        if (_error is not null && tick is { } period)
        {
            _ticker = new Timer(_ => Draw(force: true), null, period, period);
        }
    }

    /// <summary>Progress for <paramref name="context"/>'s stderr, off for <c>--json</c> output or when stderr is no terminal.</summary>
    public static CliProgress For(CliContext context, bool json, TimeSpan? tick = null) =>
        new(context.Error, context.ErrorIsTerminal && !json, tick);

    public bool Enabled => _error is not null;

    /// <summary>Sets the status (drawn as "status (12s)").</summary>
    public void Report(string status)
    {
        lock (_gate)
        {
            _status = status;
        }

        Draw(force: false);
    }

    /// <summary>Clears the line (call before writing a result line).</summary>
    public void Clear()
    {
        if (_error is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_width > 0)
            {
                _error.Write("\r" + new string(' ', _width) + "\r");
                _error.Flush();
                _width = 0;
            }
        }
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        Clear();
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private void Draw(bool force)
    {
        if (_error is null)
        {
            return;
        }

        lock (_gate)
        {
            var now = _since.Elapsed;
            if (_disposed || _status.Length == 0 || (!force && now - _lastDraw < MinInterval))
            {
                return;
            }

            _lastDraw = now;
            var line = string.Create(CultureInfo.InvariantCulture, $"{_status} ({now.TotalSeconds:F0}s)");
            _error.Write("\r" + line.PadRight(_width));
            _error.Flush();
            _width = Math.Max(_width, line.Length);
        }
    }
}
