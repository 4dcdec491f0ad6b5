using System.Text.Json;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>Text formatting shared by <c>submit</c> and <c>attest</c>.</summary>
internal static class SubmitFormat
{
    public static readonly JsonSerializerOptions Indented = CliJson.Indented;

    public static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexString(bytes).ToLowerInvariant();

    public static string State(JobState state) => state switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        _ => "unspecified",
    };

    public static HpkeAead ParseAead(string name) => name.ToLowerInvariant() switch
    {
        "chacha20poly1305" or "chacha20-poly1305" => HpkeAead.ChaCha20Poly1305,
        "aes128gcm" or "aes-128-gcm" => HpkeAead.Aes128Gcm,
        "aes256gcm" or "aes-256-gcm" => HpkeAead.Aes256Gcm,
        _ => throw new CliException($"--aead '{name}' is not one of chacha20poly1305, aes128gcm, aes256gcm"),
    };

    /// <summary>Verification failures exit 1, unusable input / unreachable node / refusals exit 2.</summary>
    public static CliException ToCliException(WorkerClientException ex)
    {
        var exit = ex.IsVerificationFailure ? CliApplication.ExitRejected : CliApplication.ExitUsage;
        var label = ex.IsVerificationFailure ? "verification failed" : ex.Reason == WorkerClientErrorReason.JobFailed ? "job failed" : "refused";
        var reason = ex.RpcReason is null ? "" : $" [{ex.RpcReason}]";
        return new CliException($"{label} ({ex.Reason}){reason}: {ex.Message}", exit, ex);
    }

    /// <summary>The one-line GPU verdict: what was verified from the node's fresh GPU evidence, or that it has none.</summary>
    public static string GpuLine(VerifiedNode node)
    {
        if (node.Gpu is not { } gpu)
        {
            return $"  GPU: none attested (backend {node.ComputeBackend})";
        }

        var kind = gpu.Emulated ? "EMULATED GPU evidence (accepted only because --allow-emulated was given)" : "NVIDIA CC evidence";
        var gpus = string.Join("; ", gpu.Gpus.Select(g =>
            $"GPU {g.Index} {g.Arch}{(g.Uuid is null ? "" : " " + g.Uuid)} driver {g.DriverVersion ?? "?"} VBIOS {g.VbiosVersion ?? "?"}{(g.CcMode is null ? "" : " CC " + g.CcMode)}"));
        return $"  GPU: {gpu.Gpus.Count} verified, {kind}, fresh for this nonce and signed by the node key: {gpus}";
    }

    /// <summary>Writes the <c>gpu</c> JSON member: null when the node sent no GPU evidence, else the verdict with per-GPU fields.</summary>
    public static void WriteGpuJson(Utf8JsonWriter writer, VerifiedNode node)
    {
        if (node.Gpu is not { } gpu)
        {
            writer.WriteNull("gpu");
            return;
        }

        writer.WriteStartObject("gpu");
        writer.WriteBoolean("verified", true);
        writer.WriteString("format", gpu.Format);
        writer.WriteBoolean("emulated", gpu.Emulated);
        writer.WriteString("evidenceSha256", gpu.EvidenceSha256);
        writer.WriteStartArray("gpus");
        foreach (var g in gpu.Gpus)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", g.Index);
            writer.WriteString("arch", g.Arch);
            writer.WriteString("uuid", g.Uuid);
            writer.WriteString("driverVersion", g.DriverVersion);
            writer.WriteString("vbiosVersion", g.VbiosVersion);
            writer.WriteString("ccMode", g.CcMode);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteNode(TextWriter output, VerifiedNode node)
    {
        output.WriteLine($"node {node.Address.ToChecksumString()} (agent {node.AgentVersion}, backend {node.ComputeBackend})");
        output.WriteLine(node.IsEmulated
            ? "  TEE: EMULATED TDX — accepted only because --allow-emulated was given; nothing sent to it is confidential"
            : "  TEE: Intel TDX");
        output.WriteLine($"  quote: v{node.Appraisal.QuoteVersion} verified, TCB {node.Appraisal.TcbStatus}{(node.Appraisal.AdvisoryIds.Count > 0 ? " advisories " + string.Join(',', node.Appraisal.AdvisoryIds) : "")}, quote hash {node.QuoteHash}");
        output.WriteLine($"  report_data binds the node address, HPKE key and RA-TLS key (v{PhalaWorker.Attestation.Binding.ReportDataBinding.Version}): ok; nonce signature: ok");
        output.WriteLine(node.TransportPinned && node.TlsSpkiSha256 is { } spki
            ? $"  transport: RA-TLS, the connection is pinned to the attested key {PhalaWorker.Attestation.Binding.RaTlsBinding.Format(spki)}"
            : "  transport: NOT RA-TLS PINNED — accepted only because --insecure-transport was given; job ids, sizes and timing are visible on the wire");
        if (node.Agent is { } agent)
        {
            output.WriteLine($"  RTMR3 event log replays to the quote: agent {agent.Version}, agent digest {Hex(agent.Digest)}, {agent.Settings.Count} settings");
        }

        output.WriteLine(node.AcceptedProfile is { } profile
            ? $"  measurements: match the accepted profile '{profile.Name}' (MRTD, RTMR0-2, agent digest, settings)"
            : "  measurements: NOT CHECKED — accepted only because --trust-any-measurement was given");

        output.WriteLine(GpuLine(node));
        output.WriteLine(node.Registration is { } registration
            ? $"  registry {node.Registry.ToChecksumString()} on chain {node.ChainId}: registered (endpoint {registration.Endpoint}), HPKE key and quote hash match"
            : "  registry: not checked (no --rpc/--registry)");
    }
}
