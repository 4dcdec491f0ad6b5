using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using Nethereum.ABI;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.ABI.Model;
using Nethereum.Contracts;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// The registry's calls, outputs, events and custom errors through Nethereum's typed contract messages
/// (<c>ContractDefinition/</c>: <see cref="FunctionMessage"/>, <see cref="IFunctionOutputDTO"/>, <see cref="IEventDTO"/>,
/// <see cref="IErrorDTO"/>). The lists below are the binding: a test checks them against the committed ABI both ways.
/// Every decoding failure is a <see cref="ChainException"/> with <see cref="ChainErrorReason.InvalidAbi"/>. Nethereum's decoder
/// reads what it needs and ignores the rest (truncated tails, trailing bytes, dirty padding decode without error), so what
/// it decodes is encoded again and must give back the very bytes received: data from the RPC is either the canonical
/// encoding a contract returns, or refused. That check decodes once more into Nethereum's untyped values against a copy of
/// the typed layout and encodes those: the attribute-driven encoder would cost as much again as the typed decode itself.
/// </summary>
internal static class NodeRegistryCodec
{
    private static readonly FunctionCallDecoder s_decoder = new();
    private static readonly EventTopicDecoder s_topicDecoder = new();
    private static readonly ParametersEncoder s_encoder = new();

    /// <summary>Every function of the contract, as a typed message.</summary>
    public static IReadOnlyList<Type> Functions { get; } =
    [
        typeof(BatchTypehashFunction), typeof(HeartbeatBlockWindowFunction), typeof(HeartbeatTypehashFunction), typeof(MaxBatchSizeFunction),
        typeof(MaxEndpointLengthFunction), typeof(MaxProfileSettingsFunction), typeof(MaxProfileStringLengthFunction),
        typeof(MaxSuccessionDepthFunction), typeof(ReceiptTypehashFunction), typeof(RegistrationTypehashFunction),
        typeof(AllowMeasurementsFunction), typeof(BatchCountFunction), typeof(BatchDigestFunction), typeof(DeregisterFunction),
        typeof(DomainSeparatorFunction), typeof(GetBatchFunction), typeof(GetMeasurementsFunction), typeof(GetNodeFunction),
        typeof(HashReceiptFunction), typeof(HeartbeatFunction), typeof(HeartbeatDigestFunction), typeof(IsActiveFunction),
        typeof(IsMeasurementAllowedFunction), typeof(LeafHashFunction), typeof(ListMeasurementsFunction), typeof(ListNodesFunction),
        typeof(MeasurementCountFunction), typeof(MeasurementProfileIdFunction), typeof(NodeCountFunction), typeof(OwnerFunction),
        typeof(PostBatchFunction), typeof(ProcessProofFunction), typeof(RegisterNodeFunction), typeof(RegistrationDigestFunction),
        typeof(RegistrationNonceFunction), typeof(RetireNodeFunction), typeof(RevokeMeasurementsFunction), typeof(TransferOwnershipFunction),
        typeof(VerifyReceiptFunction),
    ];

    /// <summary>Every event of the contract: its typed DTO and the mapping to our public record.</summary>
    public static IReadOnlyList<EventBinding> Events { get; } =
    [
        Event<NodeRegisteredEventDTO>(static (e, log) => new NodeRegisteredEvent(
            A(e.Node), A(e.Operator), H(e.HpkePublicKey), e.Endpoint, e.TeeType, H(e.QuoteHash), H(e.MrtdHash), H(e.RtmrDigest), H(e.ReportDataHash), log)),
        Event<NodeHeartbeatEventDTO>(static (e, log) => new NodeHeartbeatEvent(A(e.Node), e.Epoch, H(e.AttestationDigest), e.BlockNumber, log)),
        Event<NodeDeregisteredEventDTO>(static (e, log) => new NodeDeregisteredEvent(A(e.Node), A(e.By), log)),
        Event<NodeRetiredEventDTO>(static (e, log) => new NodeRetiredEvent(A(e.Node), A(e.By), A(e.Successor), log)),
        Event<MeasurementsAllowedEventDTO>(static (e, log) => new MeasurementsAllowedEvent(H(e.ProfileId), e.Name, log)),
        Event<MeasurementsRevokedEventDTO>(static (e, log) => new MeasurementsRevokedEvent(H(e.ProfileId), log)),
        Event<OwnershipTransferredEventDTO>(static (e, log) => new OwnershipTransferredEvent(A(e.PreviousOwner), A(e.NewOwner), log)),
        Event<BatchPostedEventDTO>(static (e, log) => new BatchPostedEvent(A(e.Node), (ulong)e.BatchIndex, H(e.Root), e.Count, log)),
    ];

    /// <summary>Every custom error of the contract, as a typed error DTO.</summary>
    public static IReadOnlyList<ErrorBinding> Errors { get; } =
    [
        Error<BatchNotFoundError>(), Error<EmptyEndpointError>(), Error<EmptyRootError>(), Error<EndpointTooLongError>(),
        Error<InvalidBatchSizeError>(), Error<InvalidMeasurementError>(), Error<InvalidPredecessorError>(), Error<InvalidSignatureError>(),
        Error<MeasurementsAlreadyAllowedError>(), Error<MeasurementsNotAllowedError>(), Error<NodeAlreadyActiveError>(),
        Error<NodeIsRetiredError>(), Error<NodeNotActiveError>(), Error<NotOperatorOrNodeError>(), Error<NotOwnerError>(),
        Error<PredecessorHasSuccessorError>(), Error<PredecessorNotOperatedError>(), Error<StaleHeartbeatError>(), Error<UnknownBlockError>(),
        Error<WrongEpochError>(), Error<WrongSignerError>(), Error<ZeroAddressError>(),
    ];

    private static readonly FrozenDictionary<Hash32, EventBinding> s_eventsByTopic =
        Events.ToFrozenDictionary(e => Hash32.Parse("0x" + e.Abi.Sha3Signature));

    private static readonly FrozenDictionary<uint, ErrorBinding> s_errorsBySelector =
        Errors.ToFrozenDictionary(e => uint.Parse(e.Abi.Sha3Signature.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    /// <summary>Selector ‖ ABI-encoded arguments of <paramref name="message"/>.</summary>
    public static byte[] Encode<TFunction>(TFunction message)
        where TFunction : FunctionMessage => message.GetCallData();

    /// <summary>The name of the function <typeparamref name="TFunction"/> calls.</summary>
    public static string Name<TFunction>()
        where TFunction : FunctionMessage => ABITypedRegistry.GetFunctionABI<TFunction>().Name;

    /// <summary>The outputs of a function that returns a struct or several values.</summary>
    public static TOutput DecodeOutput<TFunction, TOutput>(byte[] output)
        where TFunction : FunctionMessage
        where TOutput : IFunctionOutputDTO, new()
    {
        var function = ABITypedRegistry.GetFunctionABI<TFunction>();
        return Decode(function.Signature, output, () =>
        {
            var value = new TOutput().DecodeOutput(Hex.Encode(output));
            RequireCanonicalOutput<TFunction>(output);
            return value;
        });
    }

    /// <summary>The single return value of a function declared <c>[Function(name, "type")]</c>.</summary>
    public static TValue DecodeReturn<TFunction, TValue>(byte[] output)
        where TFunction : FunctionMessage
    {
        var function = ABITypedRegistry.GetFunctionABI<TFunction>();
        return Decode(function.Signature, output, () =>
        {
            var parameter = function.OutputParameters.Single();
            var value = s_decoder.DecodeSimpleTypeOutput<TValue>(parameter, Hex.Encode(output));
            RequireCanonical(output, s_encoder.EncodeParameters([parameter], value!));
            return value;
        });
    }

    /// <summary>The registry event a log holds, or null for a log of another event (or another indexing of it).</summary>
    /// <exception cref="ChainException"><see cref="ChainErrorReason.InvalidAbi"/>: a registry event whose data does not decode.</exception>
    public static NodeRegistryEvent? DecodeEvent(LogEntry log)
    {
        if (log.Topics.Count == 0 || !s_eventsByTopic.TryGetValue(log.Topics[0], out var binding) || log.Topics.Count != binding.Abi.NumberOfIndexes + 1)
        {
            return null;
        }

        return Decode(binding.Abi.Signature, log.Data, () => binding.Decode(log));
    }

    /// <summary>The registry custom error in revert data, or null when it is none of them (or does not decode).</summary>
    public static NodeRegistryCustomError? DecodeError(ReadOnlySpan<byte> revertData, out string name)
    {
        name = string.Empty;
        if (revertData.Length < 4 || !s_errorsBySelector.TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(revertData), out var binding))
        {
            return null;
        }

        try
        {
            var error = binding.Decode(Hex.Encode(revertData));
            RequireCanonical(binding.Layout, revertData[4..]);
            name = binding.Abi.Name;
            return error;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary><c>Name(arg, ...)</c> of a decoded custom error.</summary>
    public static string Describe(string name, NodeRegistryCustomError error) =>
        name + "(" + string.Join(", ", error.Arguments.Select(a => a is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : a?.ToString())) + ")";

    /// <summary>Throws <see cref="FormatException"/> unless <paramref name="output"/> is the canonical encoding of <typeparamref name="TFunction"/>'s outputs.</summary>
    internal static void RequireCanonicalOutput<TFunction>(byte[] output)
        where TFunction : FunctionMessage => RequireCanonical(Layout<TFunction>.Outputs, output);

    private static void RequireCanonical(ReadOnlySpan<byte> received, byte[] reencoded)
    {
        if (!received.SequenceEqual(reencoded))
        {
            throw new FormatException($"not the canonical ABI encoding of what it decodes to ({reencoded.Length} bytes): truncated, trailing bytes or dirty padding");
        }
    }

    // The data part (non-indexed parameters) and each static indexed topic must be canonical encodings.
    private static void RequireCanonical(EventBinding binding, LogEntry log)
    {
        RequireCanonical(binding.DataLayout, log.Data);
        for (var i = 0; i < binding.TopicLayouts.Count; i++)
        {
            if (binding.TopicLayouts[i] is { } topic)
            {
                RequireCanonical(topic, log.Topics[i + 1].AsSpan());
            }
        }
    }

    private static void RequireCanonical(Parameter[] layout, ReadOnlySpan<byte> data)
    {
        var values = s_decoder.DecodeDefaultData(data.ToArray(), layout).OrderBy(o => o.Parameter.Order).Select(Encodable).ToArray();
        RequireCanonical(data, s_encoder.EncodeParameters(layout, values));
    }

    private static object? Encodable(ParameterOutput output) => output.Parameter.ABIType is TupleType
        ? ((List<ParameterOutput>)output.Result).OrderBy(o => o.Parameter.Order).Select(Encodable).ToArray()
        : output.Result;

    // A copy of a typed layout without the decoded types the attributes set, so Nethereum decodes it into its default values.
    private static Parameter[] Untyped(IEnumerable<Parameter> parameters) => [.. parameters.Select(Untyped)];

    private static Parameter Untyped(Parameter parameter)
    {
        if (parameter.ABIType is ArrayType { ElementType: TupleType })
        {
            throw new NotSupportedException($"{parameter.Name}: arrays of structs are not used by the registry's outputs, events or errors.");
        }

        var copy = new Parameter(parameter.ABIType is TupleType ? "tuple" : parameter.Type, parameter.Name, parameter.Order) { Indexed = parameter.Indexed };
        if (parameter.ABIType is TupleType tuple)
        {
            ((TupleType)copy.ABIType).SetComponents(Untyped(tuple.Components));
        }

        return copy;
    }

    private static T Decode<T>(string what, byte[] data, Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (Exception ex) when (ex is not ChainException and not OutOfMemoryException)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"{what}: the data ({data.Length} bytes) does not decode: {ex.Message}", ex);
        }
    }

    private static EventBinding Event<TEvent>(Func<TEvent, LogEntry, NodeRegistryEvent> map)
        where TEvent : IEventDTO, new()
    {
        var abi = ABITypedRegistry.GetEvent<TEvent>();
        var parameters = abi.InputParameters.OrderBy(p => p.Order).ToList();
        EventBinding binding = null!;
        binding = new(typeof(TEvent), abi,
            Untyped(parameters.Where(p => !p.Indexed)),
            [.. parameters.Where(p => p.Indexed).Select(p => p.ABIType.IsDynamic() ? null : Untyped([p]))],
            log =>
            {
                var value = s_topicDecoder.DecodeTopics<TEvent>([.. log.Topics.Select(t => (object)t.ToString())], Hex.Encode(log.Data));
                RequireCanonical(binding, log);
                return map(value, log);
            });
        return binding;
    }

    private static ErrorBinding Error<TError>()
        where TError : NodeRegistryCustomError, new()
    {
        var abi = ABITypedRegistry.GetError<TError>();
        return new(typeof(TError), abi, Untyped(abi.InputParameters), hex => s_decoder.DecodeFunctionCustomError(new TError(), abi.Sha3Signature, hex));
    }

    private static EthAddress A(string address) => EthAddress.Parse(address.ToLowerInvariant());

    private static Hash32 H(byte[] value) => new(value);

    /// <summary>A typed event: its DTO type, the ABI Nethereum derives from it and its decoder to our record.</summary>
    internal sealed record EventBinding(Type Type, EventABI Abi, Parameter[] DataLayout, IReadOnlyList<Parameter[]?> TopicLayouts, Func<LogEntry, NodeRegistryEvent> Decode);

    /// <summary>A typed custom error: its DTO type, the ABI Nethereum derives from it and its decoder.</summary>
    internal sealed record ErrorBinding(Type Type, ErrorABI Abi, Parameter[] Layout, Func<string, NodeRegistryCustomError> Decode);

    private static class Layout<TFunction>
        where TFunction : FunctionMessage
    {
        public static readonly Parameter[] Outputs = Untyped(ABITypedRegistry.GetFunctionABI<TFunction>().OutputParameters);
    }
}
