using System.Text.Encodings.Web;
using System.Text.Json;

namespace PhalaWorker.Cli.Internal;

/// <summary>
/// JSON as the CLI prints it: ISO-8601 timestamps as written (<c>2026-01-01T00:00:00+00:00</c>, not <c>\u002B00:00</c>),
/// hence the relaxed encoder. Safe here: the output goes to a terminal or a file, never into HTML.
/// </summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions IndentedWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };
}
