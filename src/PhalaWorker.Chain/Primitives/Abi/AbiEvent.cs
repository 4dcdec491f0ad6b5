namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>A contract event: topic 0 = keccak256(canonical signature) unless anonymous; indexed parameters in topics 1..3, the rest ABI-encoded in data.</summary>
public sealed class AbiEvent
{
    public AbiEvent(string name, IReadOnlyList<AbiParameter> parameters, bool anonymous = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count(p => p.Indexed) > (anonymous ? 4 : 3))
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"Event {name} has too many indexed parameters.");
        }

        Name = name;
        Parameters = parameters;
        Anonymous = anonymous;
        Signature = AbiSignature.Canonical(name, parameters);
        Topic = AbiSignature.EventTopic(Signature);
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Parameters { get; }

    public bool Anonymous { get; }

    /// <summary>The canonical signature, e.g. <c>Transfer(address,address,uint256)</c>.</summary>
    public string Signature { get; }

    /// <summary>keccak256 of <see cref="Signature"/>.</summary>
    public Hash32 Topic { get; }

    /// <summary>Parses <c>[event] Name(type [indexed] [name], ...) [anonymous]</c>.</summary>
    public static AbiEvent Parse(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var parser = new AbiSignatureParser(signature.Trim());
        parser.TryReadKeyword("event ");
        var name = parser.ReadIdentifier();
        var parameters = parser.ParseParameterList(allowIndexed: true);
        var anonymous = parser.TryReadKeyword("anonymous");
        parser.ExpectEnd();
        return new AbiEvent(name, parameters, anonymous);
    }

    /// <summary>Whether a log's topics belong to this event.</summary>
    public bool Matches(IReadOnlyList<Hash32> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var expected = Parameters.Count(p => p.Indexed) + (Anonymous ? 0 : 1);
        return topics.Count == expected && (Anonymous || topics[0] == Topic);
    }

    /// <summary>Decodes a log into values in parameter order. Indexed dynamic values (string, bytes, arrays, tuples) come back as
    /// their <see cref="Hash32"/> topic, since the log holds only their hash.</summary>
    /// <exception cref="ChainException">The log does not belong to this event or is malformed.</exception>
    public object?[] DecodeLog(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (!Matches(topics))
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"The log's topics do not match event {Signature}.");
        }

        var dataValues = AbiDecoder.Decode(Parameters.Where(p => !p.Indexed).Select(p => p.Type).ToArray(), data);
        var values = new object?[Parameters.Count];
        var topicIndex = Anonymous ? 0 : 1;
        var dataIndex = 0;
        for (var i = 0; i < Parameters.Count; i++)
        {
            values[i] = Parameters[i].Indexed
                ? AbiDecoder.DecodeTopic(Parameters[i].Type, topics[topicIndex++])
                : dataValues[dataIndex++];
        }

        return values;
    }

    /// <summary>Decodes a log into a name → value map (unnamed parameters as <c>arg{i}</c>).</summary>
    public IReadOnlyDictionary<string, object?> DecodeLogByName(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        var values = DecodeLog(topics, data);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            result[Parameters[i].Name.Length > 0 ? Parameters[i].Name : $"arg{i}"] = values[i];
        }

        return result;
    }

    /// <summary>Builds the topics of a log for these values (topic 0 first unless anonymous); for filters and tests.</summary>
    public Hash32[] EncodeTopics(IReadOnlyList<object?> indexedValues)
    {
        ArgumentNullException.ThrowIfNull(indexedValues);
        var indexed = Parameters.Where(p => p.Indexed).ToArray();
        if (indexed.Length != indexedValues.Count)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"Event {Signature} has {indexed.Length} indexed parameters, got {indexedValues.Count} values.");
        }

        var topics = new List<Hash32>();
        if (!Anonymous)
        {
            topics.Add(Topic);
        }

        for (var i = 0; i < indexed.Length; i++)
        {
            topics.Add(AbiEncoder.EncodeTopic(indexed[i].Type, indexedValues[i]));
        }

        return [.. topics];
    }

    /// <summary>ABI-encodes the non-indexed values as log data.</summary>
    public byte[] EncodeData(IReadOnlyList<object?> nonIndexedValues) =>
        AbiEncoder.Encode(Parameters.Where(p => !p.Indexed).Select(p => p.Type).ToArray(), nonIndexedValues);

    /// <inheritdoc />
    public override string ToString() => Signature;
}
