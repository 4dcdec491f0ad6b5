using Nethereum.ABI.FunctionEncoding.Attributes;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary>Output of <c>getBatch</c>.</summary>
[FunctionOutput]
internal sealed class GetBatchOutputDTO : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)]
    public Batch ReturnValue1 { get; set; } = new();
}

/// <summary>Output of <c>getMeasurements</c>.</summary>
[FunctionOutput]
internal sealed class GetMeasurementsOutputDTO : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)]
    public MeasurementProfile ReturnValue1 { get; set; } = new();
}

/// <summary>Output of <c>getNode</c>.</summary>
[FunctionOutput]
internal sealed class GetNodeOutputDTO : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)]
    public Node ReturnValue1 { get; set; } = new();
}
