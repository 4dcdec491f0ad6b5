using System.Collections.Frozen;

namespace PhalaWorker.Compute.Graph;

/// <summary>Typed, read-only access to a node's attributes (ONNX AttributeProto values already decoded).</summary>
public sealed class NodeAttributes
{
    private readonly FrozenDictionary<string, object> _values;

    /// <summary>Creates the attribute set; values are long, float, string, long[], float[], string[] or <see cref="Tensor"/>.</summary>
    public NodeAttributes(IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static NodeAttributes Empty { get; } = new(new Dictionary<string, object>());

    public IEnumerable<string> Names => _values.Keys;

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The decoded value (long, float, string, arrays or <see cref="Tensor"/>).</summary>
    public object Raw(string name) => _values[name];

    public long GetInt(string name, long defaultValue) => _values.TryGetValue(name, out var v) ? AsLong(name, v) : defaultValue;

    public long? GetIntOrNull(string name) => _values.TryGetValue(name, out var v) ? AsLong(name, v) : null;

    public float GetFloat(string name, float defaultValue) => _values.TryGetValue(name, out var v)
        ? v switch
        {
            float f => f,
            long l => l,
            _ => throw Bad(name, "float"),
        }
        : defaultValue;

    public string? GetString(string name) => _values.TryGetValue(name, out var v) ? v as string ?? throw Bad(name, "string") : null;

    public long[]? GetInts(string name) => _values.TryGetValue(name, out var v)
        ? v switch
        {
            long[] a => a,
            long l => [l],
            _ => throw Bad(name, "ints"),
        }
        : null;

    public float[]? GetFloats(string name) => _values.TryGetValue(name, out var v)
        ? v switch
        {
            float[] a => a,
            float f => [f],
            _ => throw Bad(name, "floats"),
        }
        : null;

    public string[]? GetStrings(string name) => _values.TryGetValue(name, out var v) ? v as string[] ?? throw Bad(name, "strings") : null;

    public Tensor? GetTensor(string name) => _values.TryGetValue(name, out var v) ? v as Tensor ?? throw Bad(name, "tensor") : null;

    private static long AsLong(string name, object v) => v switch
    {
        long l => l,
        _ => throw Bad(name, "int"),
    };

    private static ComputeException Bad(string name, string kind) =>
        new(ComputeErrorReason.InvalidModel, $"attribute '{name}' is not of type {kind}");
}
