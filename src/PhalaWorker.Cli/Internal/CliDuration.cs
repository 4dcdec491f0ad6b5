using System.CommandLine;
using System.Globalization;

namespace PhalaWorker.Cli.Internal;

/// <summary>
/// The one duration syntax of every <c>phala-worker</c> option: a number with a unit (<c>500ms</c>, <c>30s</c>, <c>2m</c>,
/// <c>1h</c>) or plain seconds (<c>120</c>, <c>1.5</c>). Anything else, zero or a negative value is refused (exit 2)
/// naming the option: no TimeSpan strings, where "30" would silently mean 30 days.
/// </summary>
internal static class CliDuration
{
    public const string Syntax = "a duration such as 30s, 2m, 1h, 500ms or plain seconds";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        var (number, scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1.0),
            _ when value.EndsWith('m') => (value[..^1], 60.0),
            _ when value.EndsWith('h') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return false;
        }

        var seconds = amount * scale;
        if (double.IsInfinity(seconds) || seconds > TimeSpan.FromDays(7).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return duration > TimeSpan.Zero;
    }

    /// <summary>A <c>--name DURATION</c> option with this syntax and a default.</summary>
    public static Option<TimeSpan> Option(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} ({Syntax}; default {Format(defaultValue)}).",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 0 ? null : result.Tokens[0].Value;
            if (TryParse(token, out var duration))
            {
                return duration;
            }

            result.AddError($"{name} '{token}' is not {Syntax} (at most 7 days)");
            return default;
        },
    };

    public static string Format(TimeSpan duration) =>
        duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) ? $"{duration.TotalHours:0}h"
        : duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) ? $"{duration.TotalMinutes:0}m"
        : duration.TotalSeconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0}ms");
}
