using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker measurements show [--agent-dir DIR] [--tee emulated] [--setting name=value]… [--json]</c>: the reference
/// values of an agent build — its binary digest and the RTMR3 events an agent started from DIR with those settings
/// measures (defaults for every setting not given), the RTMR3 they replay to and, for the emulated TEE (whose MRTD and
/// RTMR0–2 are fixed), the full MeasurementProfileJson to allow-list. Exit 0, or 2 on unusable input.
/// </summary>
internal sealed class MeasurementsCommandFactory : ICommandFactory
{
    private const string AgentAssembly = "PhalaWorker.Agent.dll";

    public Command Create(CliContext context)
    {
        var agentDir = new Option<DirectoryInfo?>("--agent-dir") { Description = $"The agent's published app directory (default: the directory of this tool, when it holds {AgentAssembly})." };
        var tee = new Option<string>("--tee") { Description = "The TEE mode the node runs: configfs-tsm (default), tdx-guest or emulated.", DefaultValueFactory = _ => "configfs-tsm" };
        var settings = new Option<string[]>("--setting") { Description = "A measured setting as name=value (e.g. compute.backend=cuda); repeat per setting.", AllowMultipleArgumentsPerToken = false };
        var name = new Option<string?>("--name") { Description = "The profile's label (default: phala-worker VERSION / TEE)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (one line): agentVersion, agentDigest, tee, rtmr3, events, profile (null unless emulated)." };
        var show = new Command("show", "Print a build's reference measurements (agent digest, RTMR3 events, and the emulated TEE's full profile).");
        show.Options.Add(agentDir);
        show.Options.Add(tee);
        show.Options.Add(settings);
        show.Options.Add(name);
        show.Options.Add(json);
        show.SetAction(async (parseResult, _) =>
        {
            var reference = Compute(parseResult.GetValue(agentDir), parseResult.GetValue(tee) ?? "configfs-tsm", parseResult.GetValue(settings) ?? [], parseResult.GetValue(name));
            await context.Out.WriteLineAsync(parseResult.GetValue(json) ? ToJson(reference) : ToText(reference));
            return CliApplication.ExitOk;
        });

        var command = new Command("measurements", "Reference measurements of agent builds (what clients allow-list).");
        command.Subcommands.Add(show);
        return command;
    }

    internal static ReferenceMeasurements Compute(DirectoryInfo? agentDir, string tee, IReadOnlyList<string> overrides, string? name)
    {
        if (tee is not ("configfs-tsm" or "tdx-guest" or "emulated"))
        {
            throw new CliException($"--tee '{tee}' is not configfs-tsm, tdx-guest or emulated");
        }

        var directory = agentDir?.FullName ?? AppContext.BaseDirectory;
        var assembly = Path.Combine(directory, AgentAssembly);
        if (!File.Exists(assembly))
        {
            throw new CliException(agentDir is null
                ? $"no {AgentAssembly} next to phala-worker: give --agent-dir DIR (the agent's published directory)"
                : $"--agent-dir {directory} holds no {AgentAssembly}");
        }

        string version;
        try
        {
            version = AssemblyName.GetAssemblyName(assembly).Version?.ToString(3) ?? "0.0.0";
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException)
        {
            throw new CliException($"{assembly} is not a .NET assembly: {ex.Message}");
        }

        var values = MeasuredSettings.Collect(new ConfigurationBuilder().Build(), "Production", tee, "cpu").ToList();
        foreach (var text in overrides)
        {
            if (!MeasuredSettings.TryParse(text, out var setting, out var value))
            {
                throw new CliException($"--setting '{text}' is not name=value");
            }

            var index = values.FindIndex(p => p.Key == setting);
            if (index < 0)
            {
                throw new CliException($"--setting '{setting}' is not a measured setting ({string.Join(", ", MeasuredSettings.Names)})");
            }

            values[index] = new(setting, value);
        }

        var digest = AgentDigest.Compute(directory);
        var events = AgentMeasurements.Events(version, digest, values);
        var rtmr3 = RtmrEventLog.Replay(events);
        MeasurementProfile? profile = null;
        if (tee == "emulated")
        {
            var td = EmulatedTdMeasurements.Default;
            profile = new MeasurementProfile
            {
                Name = name ?? $"phala-worker {version} / emulated TEE",
                MrTd = td.Mrtd,
                Rtmr0 = td.Rtmrs[0],
                Rtmr1 = td.Rtmrs[1],
                Rtmr2 = td.Rtmrs[2],
                AgentDigest = digest,
                RequiredSettings = values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            };
        }

        return new ReferenceMeasurements(version, tee, digest, events, rtmr3, values, profile);
    }

    private static string ToText(ReferenceMeasurements reference)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"agent version: {reference.AgentVersion}");
        text.AppendLine($"agent digest:  {Convert.ToHexStringLower(reference.AgentDigest)}");
        text.AppendLine($"tee:           {reference.Tee}");
        text.AppendLine($"RTMR3 events ({reference.Events.Count}):");
        foreach (var rtmrEvent in reference.Events)
        {
            text.AppendLine($"  {rtmrEvent.EventType,-13} {rtmrEvent.DescribeData()}  sha384 {Convert.ToHexStringLower(rtmrEvent.Digest)}");
        }

        text.AppendLine($"RTMR3:         {Convert.ToHexStringLower(reference.Rtmr3)}");
        text.Append(reference.Profile is null
            ? "profile:       MRTD and RTMR0-2 come from the TD image (not known here); combine them with the agent digest and settings above"
            : "profile:\n" + MeasurementProfileJson.ToJson(reference.Profile));
        return text.ToString();
    }

    private static string ToJson(ReferenceMeasurements reference)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("agentVersion", reference.AgentVersion);
            writer.WriteString("agentDigest", Convert.ToHexStringLower(reference.AgentDigest));
            writer.WriteString("tee", reference.Tee);
            writer.WriteString("rtmr3", Convert.ToHexStringLower(reference.Rtmr3));
            writer.WriteStartArray("events");
            foreach (var rtmrEvent in reference.Events)
            {
                writer.WriteStartObject();
                writer.WriteNumber("rtmr", rtmrEvent.RtmrIndex);
                writer.WriteString("type", rtmrEvent.EventType);
                writer.WriteString("data", rtmrEvent.DescribeData());
                writer.WriteString("digest", Convert.ToHexStringLower(rtmrEvent.Digest));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WritePropertyName("profile");
            if (reference.Profile is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                MeasurementProfileJson.Write(writer, reference.Profile);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>What <c>measurements show</c> computed for a build.</summary>
internal sealed record ReferenceMeasurements(
    string AgentVersion,
    string Tee,
    byte[] AgentDigest,
    IReadOnlyList<RtmrEvent> Events,
    byte[] Rtmr3,
    IReadOnlyList<KeyValuePair<string, string>> Settings,
    MeasurementProfile? Profile);
