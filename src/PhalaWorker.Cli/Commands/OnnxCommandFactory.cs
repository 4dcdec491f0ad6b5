using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker onnx inspect|run|test|bench|gemm</c>: list a model's inputs and outputs, run a model on input tensors,
/// run ONNX backend-test folders, measure latency, and measure (and check) one square MatMul's GFLOP/s, on any backend the
/// compute library knows ("cpu", "ilgpu-cpu", "cuda").
/// </summary>
internal sealed class OnnxCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var onnx = new Command("onnx", "Run ONNX models, ONNX backend tests and latency benchmarks on a compute backend.");
        onnx.Subcommands.Add(CreateInspect(context));
        onnx.Subcommands.Add(CreateRun(context));
        onnx.Subcommands.Add(CreateTest(context));
        onnx.Subcommands.Add(CreateBench(context));
        onnx.Subcommands.Add(CreateGemm(context));
        return onnx;
    }

    private static Option<string> BackendOption() => new("--backend")
    {
        Description = "Backend: cpu, ilgpu-cpu or cuda.",
        DefaultValueFactory = _ => "cpu",
    };

    private static Command CreateRun(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "The model.onnx file.", Required = true };
        var inputs = new Option<string[]>("--input")
        {
            Description = "NAME=FILE.pb (a serialized onnx TensorProto, or SequenceProto for a sequence input); repeat per input. NAME may be empty to bind by position.",
            AllowMultipleArgumentsPerToken = false,
        };
        var backend = BackendOption();
        var output = new Option<DirectoryInfo?>("--out") { Description = "Directory to write each output to, as <output name>.pb (name sanitized)." };
        var command = new Command("run", "Run a model once and print (or write) its outputs.") { model, inputs, backend, output };
        command.SetAction(parse =>
        {
            var engine = CreateEngine(parse.GetValue(backend)!, threads: 0);
            var modelBytes = ReadFile(parse.GetValue(model)!);
            var bound = new List<(string, ReadOnlyMemory<byte>)>();
            foreach (var spec in parse.GetValue(inputs) ?? [])
            {
                var eq = spec.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    throw new CliException($"--input '{spec}' is not NAME=FILE.pb");
                }

                bound.Add((spec[..eq], ReadFile(new FileInfo(spec[(eq + 1)..]))));
            }

            var loaded = Execute(() => engine.Load(modelBytes));
            var result = Execute(() => engine.Run(loaded, bound, CancellationToken.None));
            var outDir = parse.GetValue(output);
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir.FullName);
            }

            var written = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < result.Outputs.Count; i++)
            {
                var (name, proto) = result.Outputs[i];
                var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(proto))[..16];
                if (loaded.Outputs[i].IsSequence)
                {
                    // A sequence output is a serialized SequenceProto.
                    var sequence = SequenceProtoConverter.Deserialize(proto, long.MaxValue, loaded.Outputs[i].DataType, name);
                    context.Out.WriteLine($"{name}: {sequence} sha256={digest} [{string.Join(", ", sequence.SequenceElements.Select(e => e.Shape.ToString()))}]");
                }
                else
                {
                    var tensor = TensorProtoConverter.Deserialize(proto, long.MaxValue, name);
                    context.Out.WriteLine($"{name}: {tensor.DataType}{tensor.Shape} sha256={digest} {Preview(tensor)}");
                }

                if (outDir is not null)
                {
                    var file = Path.Combine(outDir.FullName, OutputFileName(name, i, written));
                    File.WriteAllBytes(file, proto);
                    context.Out.WriteLine($"  -> {file}");
                }
            }

            context.Out.WriteLine($"backend: {result.Backend}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// A file name for an output: its name with anything outside [A-Za-z0-9._-] replaced by '_' (so a graph cannot name
    /// "../x" or "/etc/y"), "output_N" when that leaves nothing usable, and a "_N" suffix when two outputs collide.
    /// </summary>
    internal static string OutputFileName(string name, int index, ISet<string> taken)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray()).Trim('.');
        if (safe.Length == 0 || safe.Length > 200)
        {
            safe = $"output_{index}";
        }

        var file = safe + ".pb";
        if (!taken.Add(file))
        {
            file = $"{safe}_{index}.pb";
            taken.Add(file);
        }

        return file;
    }

    private static Command CreateInspect(CliContext context)
    {
        var model = new Argument<FileInfo>("model") { Description = "The model.onnx file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("inspect", "List a model's inputs and outputs with their element types and shapes (no run).") { model, json };
        command.SetAction(parse =>
        {
            var bytes = ReadFile(parse.GetValue(model)!);
            global::Onnx.ModelProto proto;
            try
            {
                proto = global::Onnx.ModelProto.Parser.ParseFrom(bytes);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException ex)
            {
                throw new CliException($"'{parse.GetValue(model)!.FullName}' is not an ONNX model: {ex.Message}");
            }

            if (proto.Graph is null)
            {
                throw new CliException($"'{parse.GetValue(model)!.FullName}' has no graph");
            }

            // Older exporters list initializers (weights) among the graph inputs; those are not inputs a caller binds.
            var initializers = proto.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var inputs = proto.Graph.Input.Where(i => !initializers.Contains(i.Name)).Select(Describe).ToList();
            var outputs = proto.Graph.Output.Select(Describe).ToList();
            var opset = proto.OpsetImport.FirstOrDefault(o => string.IsNullOrEmpty(o.Domain))?.Version ?? 0;
            if (parse.GetValue(json))
            {
                var report = new Dictionary<string, object>
                {
                    ["irVersion"] = proto.IrVersion,
                    ["opset"] = opset,
                    ["producer"] = proto.ProducerName,
                    ["nodes"] = proto.Graph.Node.Count,
                    ["inputs"] = inputs,
                    ["outputs"] = outputs,
                };
                context.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Compact));
                return CliApplication.ExitOk;
            }

            context.Out.WriteLine($"model: ir {proto.IrVersion}, opset {opset}, {proto.Graph.Node.Count} nodes, producer '{proto.ProducerName}'");
            foreach (var (kind, list) in new[] { ("input", inputs), ("output", outputs) })
            {
                foreach (var value in list)
                {
                    context.Out.WriteLine($"{kind} {value.Name}: {value.Type}[{string.Join('x', value.Shape)}]");
                }
            }

            return CliApplication.ExitOk;
        });
        return command;
    }

    /// <summary>One graph input or output: element type and shape (a dimension is a number, a symbolic name or "?").</summary>
    internal sealed record ValueDescription(
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
        [property: System.Text.Json.Serialization.JsonPropertyName("shape")] IReadOnlyList<string> Shape);

    private static ValueDescription Describe(global::Onnx.ValueInfoProto value)
    {
        var type = value.Type;
        if (type?.ValueCase != global::Onnx.TypeProto.ValueOneofCase.TensorType)
        {
            return new ValueDescription(value.Name, type?.ValueCase.ToString().ToLowerInvariant() ?? "unknown", []);
        }

        var element = Enum.IsDefined(typeof(global::Onnx.TensorProto.Types.DataType), type.TensorType.ElemType)
            ? ((global::Onnx.TensorProto.Types.DataType)type.TensorType.ElemType).ToString()
            : $"type{type.TensorType.ElemType}";
        var shape = type.TensorType.Shape?.Dim.Select(d => d.ValueCase switch
        {
            global::Onnx.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(CultureInfo.InvariantCulture),
            global::Onnx.TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
            _ => "?",
        }).ToList() ?? [];
        return new ValueDescription(value.Name, element, shape);
    }

    private static Command CreateTest(CliContext context)
    {
        var dirs = new Argument<DirectoryInfo[]>("dir") { Description = "Backend-test folders, or folders containing them.", Arity = ArgumentArity.OneOrMore };
        var backend = BackendOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of lines." };
        var command = new Command("test", "Run ONNX backend-test folders (model.onnx + test_data_set_*) and report passed / failed / unsupported.") { dirs, backend, json };
        command.SetAction(parse =>
        {
            var backendName = parse.GetValue(backend)!;
            var engine = CreateEngine(backendName, threads: 0);
            var folders = new List<string>();
            foreach (var dir in parse.GetValue(dirs)!)
            {
                var found = NodeTestRunner.FindTestFolders(dir.FullName);
                if (found.Count == 0)
                {
                    throw new CliException($"no ONNX backend tests in '{dir.FullName}'");
                }

                folders.AddRange(found);
            }

            var results = folders.Select(f => NodeTestRunner.Run(f, engine, CancellationToken.None)).ToList();
            var passed = results.Count(r => r.Status == NodeTestStatus.Passed);
            var failed = results.Count(r => r.Status == NodeTestStatus.Failed);
            var unsupported = results.Count(r => r.Status == NodeTestStatus.Unsupported);
            if (parse.GetValue(json))
            {
                var report = new Dictionary<string, object>
                {
                    ["backend"] = engine.BackendName,
                    ["passed"] = passed,
                    ["failed"] = failed,
                    ["unsupported"] = unsupported,
                    ["tests"] = results.Select(r => new Dictionary<string, string>
                    {
                        ["name"] = r.Name,
                        ["status"] = r.Status.ToString().ToLowerInvariant(),
                        ["detail"] = r.Detail,
                    }).ToList(),
                };
                context.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Compact));
            }
            else
            {
                foreach (var r in results)
                {
                    var status = r.Status switch
                    {
                        NodeTestStatus.Passed => "PASS",
                        NodeTestStatus.Failed => "FAIL",
                        _ => "UNSUPPORTED",
                    };
                    context.Out.WriteLine(r.Detail.Length == 0 ? $"{status} {r.Name}" : $"{status} {r.Name}: {r.Detail}");
                }

                context.Out.WriteLine($"{engine.BackendName}: {passed} passed, {failed} failed, {unsupported} unsupported");
            }

            return failed > 0 ? CliApplication.ExitRejected : CliApplication.ExitOk;
        });
        return command;
    }

    private static Command CreateBench(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "The model.onnx file.", Required = true };
        var inputDir = new Option<DirectoryInfo?>("--input-dir") { Description = "Folder with input_<i>.pb (default: test_data_set_0 next to the model)." };
        var backend = BackendOption();
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var iterations = new Option<int>("--iterations") { Description = "Measured runs (after the warm-up).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup-seconds")
        {
            Description = "Warm-up time before measuring (at least 2 runs), so .NET's tiered JIT has optimized the kernels.",
            DefaultValueFactory = _ => 1.0,
        };
        var json = new Option<bool>("--json") { Description = "Print {\"medianMs\",\"p90Ms\"}." };
        var isa = new Option<string>("--isa")
        {
            Description = "cpu backend: 'auto' (widest SIMD the CPU has) or 'avx2' (the AVX2 kernels on an AVX-512 CPU; for an exact AVX2-only run also set DOTNET_EnableAVX512=0).",
            DefaultValueFactory = _ => "auto",
        };
        isa.AcceptOnlyFromAmong("auto", "avx2");
        var command = new Command("bench", "Measure run latency (median and p90) of a model.") { model, inputDir, backend, threads, iterations, warmup, json, isa };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(iterations);
            if (n < 1)
            {
                throw new CliException("--iterations must be at least 1");
            }

            var warmupSeconds = parse.GetValue(warmup);
            if (!(warmupSeconds >= 0 && warmupSeconds <= 600))
            {
                throw new CliException("--warmup-seconds must be between 0 and 600");
            }

            var modelFile = parse.GetValue(model)!;
            var engine = CreateEngine(parse.GetValue(backend)!, parse.GetValue(threads), out _, cpuIsa: parse.GetValue(isa)!);
            var dir = parse.GetValue(inputDir)?.FullName ?? Path.Combine(modelFile.DirectoryName ?? ".", "test_data_set_0");
            if (!Directory.Exists(dir))
            {
                throw new CliException($"input folder '{dir}' not found (use --input-dir)");
            }

            var inputs = NodeTestRunner.ReadTensorFiles(dir, "input").Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToList();
            // On a terminal's stderr only: which phase, and how far (a large model's runs take seconds each).
            using var progress = CliProgress.For(context, parse.GetValue(json), tick: TimeSpan.FromMilliseconds(500));
            progress.Report($"loading {modelFile.Name}");
            var loaded = Execute(() => engine.Load(ReadFile(modelFile)));
            var warm = Stopwatch.StartNew();
            for (var i = 0; i < 2 || warm.Elapsed.TotalSeconds < warmupSeconds; i++)
            {
                if (progress.Enabled)
                {
                    progress.Report(string.Create(CultureInfo.InvariantCulture, $"warming up on {engine.BackendName}: run {i + 1}"));
                }

                Execute(() => engine.Run(loaded, inputs, CancellationToken.None));
            }

            var times = new double[n];
            for (var i = 0; i < n; i++)
            {
                if (progress.Enabled)
                {
                    progress.Report(string.Create(CultureInfo.InvariantCulture, $"measuring on {engine.BackendName}: run {i + 1}/{n}"));
                }

                var sw = Stopwatch.StartNew();
                Execute(() => engine.Run(loaded, inputs, CancellationToken.None));
                times[i] = sw.Elapsed.TotalMilliseconds;
            }

            progress.Clear();

            Array.Sort(times);
            var median = n % 2 == 1 ? times[n / 2] : (times[(n / 2) - 1] + times[n / 2]) / 2;
            var p90 = times[Math.Min(n - 1, (int)Math.Ceiling(0.9 * n) - 1)];
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double> { ["medianMs"] = Math.Round(median, 3), ["p90Ms"] = Math.Round(p90, 3) }));
            }
            else
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{modelFile.Name} on {engine.BackendName}: median {median:F3} ms, p90 {p90:F3} ms over {n} runs"));
            }

            return CliApplication.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// <c>onnx gemm</c>: Y = A·B for [N×N] float32 operands as a one-node MatMul model through the engine; prints the median
    /// time and GFLOP/s (2N³ per run) and checks 64 sampled outputs against a double-precision dot product (error at most
    /// 1e-3 of Σ|aᵢbᵢ|), exiting 1 when one is off. <c>--kernels own</c> turns cuBLAS off on the cuda backend.
    /// </summary>
    private static Command CreateGemm(CliContext context)
    {
        var backend = BackendOption();
        var size = new Option<int>("--size") { Description = "N of the N×N·N×N product (16..8192).", DefaultValueFactory = _ => 1024 };
        var kernels = new Option<string>("--kernels") { Description = "cuda only: 'cublas' (default, when libcublas loads) or 'own' (this project's tiled GEMM kernel).", DefaultValueFactory = _ => "cublas" };
        var iterations = new Option<int>("--iterations") { Description = "Measured runs after 2 warm-up runs.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("gemm", "Measure GEMM GFLOP/s of a square float32 MatMul (checked against double precision).") { backend, size, kernels, iterations, threads, json };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(size);
            var runs = parse.GetValue(iterations);
            var kernelChoice = parse.GetValue(kernels)!;
            if (n is < 16 or > 8192)
            {
                throw new CliException("--size must be between 16 and 8192");
            }

            if (runs is < 1 or > 1000)
            {
                throw new CliException("--iterations must be between 1 and 1000");
            }

            if (kernelChoice is not ("cublas" or "own"))
            {
                throw new CliException("--kernels must be 'cublas' or 'own'");
            }

            var engine = CreateEngine(parse.GetValue(backend)!, parse.GetValue(threads), out var computeBackend, cudaUseCuBlas: kernelChoice == "cublas" ? "always" : "never");
            var a = GemmOperand(n, 1);
            var b = GemmOperand(n, 2);
            var model = Execute(() => engine.Load(GemmModel(n)));
            var inputs = new List<(string, Tensor)> { ("a", Tensor.FromArray(a, n, n)), ("b", Tensor.FromArray(b, n, n)) };
            IReadOnlyList<Tensor> outputs = [];
            for (var i = 0; i < 2; i++)
            {
                outputs = Execute(() => engine.RunTensors(model, inputs, CancellationToken.None));
            }

            var times = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                outputs = Execute(() => engine.RunTensors(model, inputs, CancellationToken.None));
                times[i] = sw.Elapsed.TotalMilliseconds;
            }

            Array.Sort(times);
            var median = runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
            var gflops = 2.0 * n * n * n / (median * 1e6);
            var y = outputs[0].AsReadOnlySpan<float>();
            double worst = 0;
            for (var s = 0; s < 64; s++)
            {
                var row = (int)((s * 7919L) % n);
                var col = (int)((s * 104729L) % n);
                double exact = 0, magnitude = 0;
                for (var k = 0; k < n; k++)
                {
                    var term = (double)a[(row * n) + k] * b[(k * n) + col];
                    exact += term;
                    magnitude += Math.Abs(term);
                }

                worst = Math.Max(worst, Math.Abs(y[(row * n) + col] - exact) / Math.Max(magnitude, 1e-30));
            }

            var ok = worst <= 1e-3;
            // What actually ran: cuBLAS only on cuda with libcublas loaded and not turned off.
            var kernelName = computeBackend is Compute.Backends.Ilgpu.IlgpuBackend { Name: "cuda", CuBlasUnavailableReason: null } && kernelChoice == "cublas" ? "cublas" : "own";
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["backend"] = engine.BackendName,
                    ["kernels"] = kernelName,
                    ["size"] = n,
                    ["medianMs"] = Math.Round(median, 3),
                    ["gflops"] = Math.Round(gflops, 2),
                    ["maxRelativeError"] = worst,
                    ["ok"] = ok,
                }));
            }
            else
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"gemm {n}x{n}x{n} on {engine.BackendName} ({kernelName}): median {median:F3} ms, {gflops:F1} GFLOP/s, max error {worst:E2} of sum|ab| ({(ok ? "ok" : "FAILED")})"));
            }

            return ok ? CliApplication.ExitOk : CliApplication.ExitRejected;
        });
        return command;
    }

    /// <summary>Deterministic operand values in [-1, 1) (xorshift; no System.Random in src/).</summary>
    private static float[] GemmOperand(int n, uint seed)
    {
        var values = new float[n * n];
        var state = 2463534242u ^ (seed * 2654435761u);
        for (var i = 0; i < values.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            values[i] = ((state >> 8) / (float)(1 << 23)) - 1f;
        }

        return values;
    }

    private static byte[] GemmModel(int n)
    {
        static global::Onnx.ValueInfoProto Info(string name, int n)
        {
            var shape = new global::Onnx.TensorShapeProto();
            shape.Dim.Add(new global::Onnx.TensorShapeProto.Types.Dimension { DimValue = n });
            shape.Dim.Add(new global::Onnx.TensorShapeProto.Types.Dimension { DimValue = n });
            return new global::Onnx.ValueInfoProto
            {
                Name = name,
                Type = new global::Onnx.TypeProto { TensorType = new global::Onnx.TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
            };
        }

        var graph = new global::Onnx.GraphProto { Name = "gemm" };
        graph.Input.Add(Info("a", n));
        graph.Input.Add(Info("b", n));
        graph.Output.Add(Info("y", n));
        var node = new global::Onnx.NodeProto { OpType = "MatMul", Name = "matmul" };
        node.Input.Add("a");
        node.Input.Add("b");
        node.Output.Add("y");
        graph.Node.Add(node);
        var model = new global::Onnx.ModelProto { IrVersion = 8, Graph = graph, ProducerName = "phala-worker onnx gemm" };
        model.OpsetImport.Add(new global::Onnx.OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }

    private static ComputeEngine CreateEngine(string backend, int threads) => CreateEngine(backend, threads, out _);

    private static ComputeEngine CreateEngine(string backend, int threads, out IComputeBackend created, string cudaUseCuBlas = "auto", string cpuIsa = "auto")
    {
        var options = new ComputeOptions { Backend = backend, Threads = threads, CudaUseCuBlas = cudaUseCuBlas, CpuIsa = cpuIsa };
        try
        {
            created = ComputeBackendRegistry.Create(backend, options);
            return new ComputeEngine(options, created);
        }
        catch (ComputeException ex)
        {
            throw new CliException(ex.Message, CliApplication.ExitUsage, ex);
        }
    }

    private static T Execute<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ComputeException ex)
        {
            throw new CliException($"{ex.Reason}: {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    private static byte[] ReadFile(FileInfo file)
    {
        try
        {
            return File.ReadAllBytes(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{file.FullName}': {ex.Message}", CliApplication.ExitUsage, ex);
        }
    }

    private static string Preview(Tensor tensor)
    {
        var values = Enumerable.Range(0, Math.Min(6, tensor.Length)).Select(i => FormatElement(tensor, i));
        return "[" + string.Join(", ", values) + (tensor.Length > 6 ? ", ..." : string.Empty) + "]";
    }

    private static string FormatElement(Tensor t, int i) => t.DataType switch
    {
        DataType.Float => t.AsReadOnlySpan<float>()[i].ToString("G6", CultureInfo.InvariantCulture),
        DataType.Double => t.AsReadOnlySpan<double>()[i].ToString("G6", CultureInfo.InvariantCulture),
        DataType.Int64 => t.AsReadOnlySpan<long>()[i].ToString(CultureInfo.InvariantCulture),
        DataType.Int32 => t.AsReadOnlySpan<int>()[i].ToString(CultureInfo.InvariantCulture),
        DataType.Bool => t.AsReadOnlySpan<bool>()[i] ? "true" : "false",
        _ => "…",
    };
}
