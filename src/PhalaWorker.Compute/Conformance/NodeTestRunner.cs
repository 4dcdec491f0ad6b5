using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Compute.Conformance;

/// <summary>
/// Runs ONNX backend-test folders (<c>model.onnx</c> + <c>test_data_set_*/input_*.pb</c>, <c>output_*.pb</c>) on an engine
/// and compares with ONNX's tolerance (per backend and op: <see cref="ConformanceTolerance"/>). Used by the conformance
/// tests and <c>phala-worker onnx test</c>.
/// </summary>
public static class NodeTestRunner
{
    /// <summary>Whether <paramref name="directory"/> looks like a backend-test folder.</summary>
    public static bool IsTestFolder(string directory) =>
        File.Exists(Path.Combine(directory, "model.onnx")) && Directory.EnumerateDirectories(directory, "test_data_set_*").Any();

    /// <summary>The test folders at or directly under <paramref name="directory"/>, sorted by name.</summary>
    public static IReadOnlyList<string> FindTestFolders(string directory)
    {
        if (IsTestFolder(directory))
        {
            return [directory];
        }

        return Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Where(IsTestFolder).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>Reads the serialized input TensorProtos of a data set (input_0.pb, input_1.pb, ...) in order.</summary>
    public static IReadOnlyList<byte[]> ReadTensorFiles(string dataSet, string prefix)
    {
        var files = Directory.EnumerateFiles(dataSet, prefix + "_*.pb")
            .Select(f => (File: f, Index: int.TryParse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..], out var i) ? i : -1))
            .Where(x => x.Index >= 0)
            .OrderBy(x => x.Index)
            .ToArray();
        return files.Select(x => File.ReadAllBytes(x.File)).ToArray();
    }

    /// <summary>Compares two serialized SequenceProtos element by element; null when they match.</summary>
    private static string? CompareSequences(byte[] expected, byte[] actual, Graph.DataType elementType, ConformanceTolerance tolerance)
    {
        var exp = SequenceProtoConverter.Deserialize(expected, long.MaxValue, elementType, "expected sequence").SequenceElements;
        var got = SequenceProtoConverter.Deserialize(actual, long.MaxValue, elementType, "output sequence").SequenceElements;
        if (exp.Count != got.Count)
        {
            return $"sequence of {got.Count} tensors, expected {exp.Count}";
        }

        for (var e = 0; e < exp.Count; e++)
        {
            if (TensorComparer.Compare(exp[e], got[e], tolerance.Relative, tolerance.Absolute) is { } diff)
            {
                return $"element {e}: {diff}";
            }
        }

        return null;
    }

    /// <summary>Runs every data set of one folder.</summary>
    public static NodeTestResult Run(string folder, ComputeEngine engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(engine);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        try
        {
            var model = engine.Load(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
            var tolerance = ConformanceTolerance.For(engine.BackendName, model.Graph.Nodes.Select(n => n.OpType));
            foreach (var dataSet in Directory.EnumerateDirectories(folder, "test_data_set_*").Order(StringComparer.Ordinal))
            {
                var inputs = ReadTensorFiles(dataSet, "input");
                var bound = new List<(string, ReadOnlyMemory<byte>)>();
                for (var i = 0; i < inputs.Count; i++)
                {
                    if (i < model.Inputs.Count && model.Inputs[i].IsSequence)
                    {
                        bound.Add((string.Empty, inputs[i])); // a SequenceProto, bound by position
                        continue;
                    }

                    var proto = TensorProtoConverter.Parse(inputs[i], $"input {i}");
                    var inputName = model.Inputs.Any(x => x.Name == proto.Name) ? proto.Name : string.Empty;
                    bound.Add((inputName, inputs[i]));
                }

                var result = engine.Run(model, bound, cancellationToken);
                var expected = ReadTensorFiles(dataSet, "output");
                if (expected.Count != result.Outputs.Count)
                {
                    return new NodeTestResult(name, NodeTestStatus.Failed, $"{result.Outputs.Count} outputs, expected {expected.Count}");
                }

                for (var i = 0; i < expected.Count; i++)
                {
                    if (model.Outputs[i].IsSequence)
                    {
                        if (CompareSequences(expected[i], result.Outputs[i].TensorProto, model.Outputs[i].DataType, tolerance) is { } seqDiff)
                        {
                            return new NodeTestResult(name, NodeTestStatus.Failed, $"{Path.GetFileName(dataSet)} output {i} ({result.Outputs[i].Name}): {seqDiff}");
                        }

                        continue;
                    }

                    var exp = TensorProtoConverter.Deserialize(expected[i], long.MaxValue, $"expected output {i}");
                    var got = TensorProtoConverter.Deserialize(result.Outputs[i].TensorProto, long.MaxValue, $"output {i}");
                    if (TensorComparer.Compare(exp, got, tolerance.Relative, tolerance.Absolute) is { } diff)
                    {
                        return new NodeTestResult(name, NodeTestStatus.Failed, $"{Path.GetFileName(dataSet)} output {i} ({result.Outputs[i].Name}): {diff}");
                    }
                }
            }

            return new NodeTestResult(name, NodeTestStatus.Passed, string.Empty);
        }
        catch (ComputeException ex) when (ex.Reason is ComputeErrorReason.UnsupportedOperator or ComputeErrorReason.UnsupportedDataType)
        {
            return new NodeTestResult(name, NodeTestStatus.Unsupported, ex.Message);
        }
        catch (ComputeException ex)
        {
            return new NodeTestResult(name, NodeTestStatus.Failed, $"{ex.Reason}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new NodeTestResult(name, NodeTestStatus.Failed, ex.Message);
        }
    }
}
