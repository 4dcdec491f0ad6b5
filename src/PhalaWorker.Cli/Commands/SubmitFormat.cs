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

    public static void WriteNode(TextWriter output, VerifiedNode node)
    {
        output.WriteLine($"node {node.Address.ToChecksumString()} (agent {node.AgentVersion}, backend {node.ComputeBackend})");
        output.WriteLine(node.IsEmulated
            ? "  TEE: EMULATED TDX — accepted only because --allow-emulated was given; nothing sent to it is confidential"
            : "  TEE: Intel TDX");
        output.WriteLine($"  quote: v{node.Appraisal.QuoteVersion} verified, TCB {node.Appraisal.TcbStatus}{(node.Appraisal.AdvisoryIds.Count > 0 ? " advisories " + string.Join(',', node.Appraisal.AdvisoryIds) : "")}, quote hash {node.QuoteHash}");
        output.WriteLine("  report_data binds the node address and HPKE key (v1): ok; nonce signature: ok");
        if (node.Agent is { } agent)
        {
            output.WriteLine($"  RTMR3 event log replays to the quote: agent {agent.Version}, agent digest {Hex(agent.Digest)}, {agent.Settings.Count} settings");
        }

        output.WriteLine(node.AcceptedProfile is { } profile
            ? $"  measurements: match the accepted profile '{profile.Name}' (MRTD, RTMR0-2, agent digest, settings)"
            : "  measurements: NOT CHECKED — accepted only because --trust-any-measurement was given");

        output.WriteLine(node.Registration is { } registration
            ? $"  registry {node.Registry.ToChecksumString()} on chain {node.ChainId}: registered (endpoint {registration.Endpoint}), HPKE key and quote hash match"
            : "  registry: not checked (no --rpc/--registry)");
    }
}
