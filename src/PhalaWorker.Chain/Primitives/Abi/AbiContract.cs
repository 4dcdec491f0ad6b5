using System.Text.Json;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>A contract's ABI as solc emits it (JSON array of functions, events, errors, constructor).</summary>
public sealed class AbiContract
{
    private AbiContract(IReadOnlyList<AbiFunction> functions, IReadOnlyList<AbiEvent> events, IReadOnlyList<AbiError> errors, IReadOnlyList<AbiParameter> constructorInputs)
    {
        Functions = functions;
        Events = events;
        Errors = errors;
        ConstructorInputs = constructorInputs;
    }

    public IReadOnlyList<AbiFunction> Functions { get; }

    public IReadOnlyList<AbiEvent> Events { get; }

    public IReadOnlyList<AbiError> Errors { get; }

    public IReadOnlyList<AbiParameter> ConstructorInputs { get; }

    /// <summary>The function named <paramref name="nameOrSignature"/> (a name if it is not overloaded, or a canonical signature).</summary>
    public AbiFunction GetFunction(string nameOrSignature) => Find(Functions, nameOrSignature, f => f.Name, f => f.Signature, "function");

    /// <summary>The event named <paramref name="nameOrSignature"/>.</summary>
    public AbiEvent GetEvent(string nameOrSignature) => Find(Events, nameOrSignature, e => e.Name, e => e.Signature, "event");

    /// <summary>The custom error named <paramref name="nameOrSignature"/>.</summary>
    public AbiError GetError(string nameOrSignature) => Find(Errors, nameOrSignature, e => e.Name, e => e.Signature, "error");

    /// <summary>abi.encode of the constructor arguments (appended to the creation bytecode).</summary>
    public byte[] EncodeConstructor(params IReadOnlyList<object?> arguments) =>
        AbiEncoder.Encode(ConstructorInputs.Select(p => p.Type).ToArray(), arguments);

    /// <summary>Parses solc's ABI JSON (an array, or an object with an <c>abi</c> array).</summary>
    /// <exception cref="ChainException">Malformed ABI (<see cref="ChainErrorReason.InvalidAbi"/>).</exception>
    public static AbiContract Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("abi", out var abi))
            {
                root = abi;
            }

            var functions = new List<AbiFunction>();
            var events = new List<AbiEvent>();
            var errors = new List<AbiError>();
            IReadOnlyList<AbiParameter> constructor = [];
            foreach (var entry in root.EnumerateArray())
            {
                var kind = entry.TryGetProperty("type", out var t) ? t.GetString() : "function";
                var name = entry.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
                switch (kind)
                {
                    case "function":
                        functions.Add(new AbiFunction(name, Parameters(entry, "inputs"), Parameters(entry, "outputs"),
                            entry.TryGetProperty("stateMutability", out var m) ? m.GetString() : null));
                        break;
                    case "event":
                        events.Add(new AbiEvent(name, Parameters(entry, "inputs"), entry.TryGetProperty("anonymous", out var a) && a.GetBoolean()));
                        break;
                    case "error":
                        errors.Add(new AbiError(name, Parameters(entry, "inputs")));
                        break;
                    case "constructor":
                        constructor = Parameters(entry, "inputs");
                        break;
                }
            }

            return new AbiContract(functions, events, errors, constructor);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, "Malformed contract ABI JSON: " + e.Message, e);
        }
    }

    private static List<AbiParameter> Parameters(JsonElement entry, string property)
    {
        var result = new List<AbiParameter>();
        if (!entry.TryGetProperty(property, out var list))
        {
            return result;
        }

        foreach (var p in list.EnumerateArray())
        {
            var name = p.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
            var indexed = p.TryGetProperty("indexed", out var i) && i.GetBoolean();
            result.Add(new AbiParameter(name, ParameterType(p), indexed));
        }

        return result;
    }

    private static AbiType ParameterType(JsonElement parameter)
    {
        var type = parameter.GetProperty("type").GetString() ?? throw new InvalidOperationException("parameter without type");
        if (!type.StartsWith("tuple", StringComparison.Ordinal))
        {
            return AbiType.Parse(type);
        }

        // "tuple", "tuple[]", "tuple[2][]": the components give the tuple, the suffix the array dimensions.
        var tuple = AbiType.Tuple(Parameters(parameter, "components"));
        var suffix = type["tuple".Length..];
        var canonical = tuple.CanonicalName + suffix;
        var parsed = AbiType.Parse(canonical);
        return Rebuild(parsed, tuple);
    }

    // Parse() drops component names; rebuild the array layers around the named tuple.
    private static AbiType Rebuild(AbiType parsed, AbiType namedTuple) => parsed.Kind switch
    {
        AbiTypeKind.Array => AbiType.ArrayOf(Rebuild(parsed.ElementType!, namedTuple)),
        AbiTypeKind.FixedArray => AbiType.FixedArrayOf(Rebuild(parsed.ElementType!, namedTuple), parsed.Size),
        _ => namedTuple,
    };

    private static T Find<T>(IReadOnlyList<T> items, string key, Func<T, string> name, Func<T, string> signature, string what)
    {
        ArgumentNullException.ThrowIfNull(key);
        var matches = items.Where(i => signature(i) == key).ToList();
        if (matches.Count == 0)
        {
            matches = [.. items.Where(i => name(i) == key)];
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new KeyNotFoundException($"The ABI has no {what} '{key}'."),
            _ => throw new InvalidOperationException($"The {what} '{key}' is overloaded; use its canonical signature."),
        };
    }
}
