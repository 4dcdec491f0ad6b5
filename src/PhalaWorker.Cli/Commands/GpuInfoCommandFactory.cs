using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;
using Command = System.CommandLine.Command;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker gpu info</c>: what NVML reports on this host (driver; per GPU name, UUID, VBIOS, architecture; CC
/// feature, DevTools, environment, PPCIe mode, ready state) and what the CUDA driver reports (<see cref="GpuDiagnostics"/>).
/// <c>--nvml PATH</c> loads another NVML (the fake in native/build), <c>--cuda-dir DIR</c> searches DIR for libcuda.so.1
/// first. Exit 0 when a usable confidential-computing GPU is present (NVML gate passes and CUDA has a device), 1 when
/// there is none (the reason is printed; also when there is no NVML library or driver at all), 2 on a usage error.
/// A subcommand of <c>gpu</c>: the parent adds it with <c>Subcommands.Add(GpuInfoCommandFactory.Create(context))</c>.
/// </summary>
internal static class GpuInfoCommandFactory
{
    internal static Command Create(CliContext context)
    {
        var nvmlOption = new System.CommandLine.Option<FileInfo?>("--nvml") { Description = "NVML library to load (default: libnvidia-ml.so.1 from the system library path)." };
        var cudaDirOption = new System.CommandLine.Option<DirectoryInfo?>("--cuda-dir") { Description = "Directory searched for libcuda.so.1 before the system library path." };
        var timeoutOption = new System.CommandLine.Option<double>("--timeout") { Description = "Deadline of each NVML call and of the CUDA probe, in seconds.", DefaultValueFactory = _ => 30 };
        var jsonOption = new System.CommandLine.Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("info", "Show what NVML and the CUDA driver report about this host's GPUs and whether a confidential-computing GPU is usable.");
        command.Options.Add(nvmlOption);
        command.Options.Add(cudaDirOption);
        command.Options.Add(timeoutOption);
        command.Options.Add(jsonOption);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var nvmlPath = parseResult.GetValue(nvmlOption);
            var cudaDir = parseResult.GetValue(cudaDirOption);
            var seconds = parseResult.GetValue(timeoutOption);
            if (nvmlPath is { Exists: false })
            {
                throw new CliException($"--nvml: file not found: {nvmlPath.FullName}");
            }

            if (cudaDir is { Exists: false })
            {
                throw new CliException($"--cuda-dir: directory not found: {cudaDir.FullName}");
            }

            if (!(seconds is > 0 and <= 600))
            {
                throw new CliException("--timeout must be in (0, 600] seconds");
            }

            var timeout = TimeSpan.FromSeconds(seconds);
            var (state, nvmlError) = await InspectNvmlAsync(nvmlPath?.FullName, timeout, cancellationToken);
            var cuda = GpuDiagnostics.Probe(cudaDir is null ? [] : [cudaDir.FullName], systemSearch: true, timeout);
            var reason = state is null ? nvmlError : state.UnusableReason ?? (cuda.Usable ? null : "CUDA: " + cuda.Reason);
            if (parseResult.GetValue(jsonOption))
            {
                await context.Out.WriteLineAsync(ToJson(state, nvmlPath?.FullName, nvmlError, cuda, reason));
            }
            else
            {
                await WriteTextAsync(context.Out, state, nvmlError, cuda, reason);
            }

            return reason is null ? CliApplication.ExitOk : CliApplication.ExitRejected;
        });
        return command;
    }

    private static async Task<(NvmlHostState? State, string? Error)> InspectNvmlAsync(string? path, TimeSpan timeout, CancellationToken ct)
    {
        await using var provider = new NvmlGpuEvidenceProvider(new NvmlOptions { LibraryPath = path, CallTimeout = timeout });
        try
        {
            return (await provider.InspectAsync(ct), null);
        }
        catch (NvmlException ex) when (path is not null && ex.NvmlReason is NvmlErrorReason.LibraryNotFound or NvmlErrorReason.LibraryInvalid)
        {
            throw new CliException($"--nvml: {ex.Message}", CliApplication.ExitUsage, ex);
        }
        catch (NvmlException ex) when (ex.NvmlReason == NvmlErrorReason.LibraryNotFound)
        {
            return (null, "no NVML library (libnvidia-ml.so.1 not found): no NVIDIA driver or GPU on this host");
        }
        catch (NvmlException ex)
        {
            return (null, "NVML: " + ex.Message);
        }
    }

    private static async Task WriteTextAsync(TextWriter output, NvmlHostState? state, string? nvmlError, GpuProbeResult cuda, string? reason)
    {
        if (state is null)
        {
            await output.WriteLineAsync($"NVML: {nvmlError}");
        }
        else
        {
            await output.WriteLineAsync($"NVML: {state.LibraryPath}, driver {state.DriverVersion}, {state.Gpus.Count} GPU(s)");
            await output.WriteLineAsync(state.HasConfidentialComputeApi
                ? $"  confidential computing: {OnOff(state.ConfidentialComputeEnabled)}, DevTools: {OnOff(state.DevToolsMode)}, environment: {state.Environment}, multi-GPU: {state.MultiGpuMode}, ready: {(state.GpusReady == true ? "yes" : "no")}"
                : "  confidential computing: no CC API in this NVML (driver too old)");
            foreach (var gpu in state.Gpus)
            {
                await output.WriteLineAsync($"  GPU {gpu.Index}: {gpu.Name}, {gpu.Uuid}, VBIOS {gpu.VbiosVersion}, {gpu.Architecture}");
            }
        }

        await output.WriteLineAsync(cuda.LibraryPath is null ? $"CUDA: {cuda.Reason}" : $"CUDA: {cuda.LibraryPath}: {cuda.Reason}");
        await output.WriteLineAsync(reason is null ? "usable: yes" : $"usable: no ({reason})");
    }

    private static string OnOff(bool? value) => value == true ? "on" : "off";

    internal static string ToJson(NvmlHostState? state, string? nvmlPath, string? nvmlError, GpuProbeResult cuda, string? reason)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("usable", reason is null);
            writer.WriteString("reason", reason);
            writer.WriteStartObject("nvml");
            writer.WriteBoolean("available", state is not null);
            writer.WriteString("library", state?.LibraryPath ?? nvmlPath ?? "libnvidia-ml.so.1");
            writer.WriteString("error", nvmlError);
            if (state is not null)
            {
                writer.WriteString("driverVersion", state.DriverVersion);
                writer.WriteBoolean("confidentialComputeApi", state.HasConfidentialComputeApi);
                WriteNullable(writer, "ccFeature", state.ConfidentialComputeEnabled);
                WriteNullable(writer, "devToolsMode", state.DevToolsMode);
                writer.WriteString("environment", state.Environment);
                writer.WriteString("multiGpuMode", state.MultiGpuMode);
                WriteNullable(writer, "gpusReady", state.GpusReady);
                writer.WriteString("unusableReason", state.UnusableReason);
                writer.WriteStartArray("gpus");
                foreach (var gpu in state.Gpus)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("index", gpu.Index);
                    writer.WriteString("name", gpu.Name);
                    writer.WriteString("uuid", gpu.Uuid);
                    writer.WriteString("vbiosVersion", gpu.VbiosVersion);
                    writer.WriteString("architecture", gpu.Architecture);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteStartObject("cuda");
            writer.WriteBoolean("usable", cuda.Usable);
            writer.WriteString("reason", cuda.Reason);
            writer.WriteString("library", cuda.LibraryPath);
            writer.WriteString("driverVersion", cuda.DriverVersionText);
            writer.WriteString("initError", cuda.InitError);
            writer.WriteNumber("deviceCount", cuda.DeviceCount);
            writer.WriteStartArray("tried");
            foreach (var name in cuda.Tried)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, bool? value)
    {
        if (value is { } v)
        {
            writer.WriteBoolean(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
