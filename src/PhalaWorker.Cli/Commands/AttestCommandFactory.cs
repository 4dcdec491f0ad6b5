using System.Text.Json;
using PhalaWorker.Cli.Internal;
using PhalaWorker.Client;
using Command = System.CommandLine.Command;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker attest</c>: fetch a node's attestation with a fresh nonce, verify it (nonce signature, quote under the
/// policy, report_data binding, RTMR3 event log, and with <c>--rpc/--registry</c> the on-chain registration) and print the
/// verified bundle. Exit 0 verified, 1 a check failed, 2 unusable input or unreachable node.
/// </summary>
internal sealed class AttestCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var common = new SubmitCommonOptions();
        var command = new Command("attest", "Fetch and verify a node's attestation (quote, key binding, on-chain registration).");
        common.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = common.Read(parseResult);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var session = await SubmitNodeSession.OpenAsync(settings, timeout.Token);
            VerifiedNode node;
            try
            {
                node = await session.CreateVerifier(context.Error).VerifyAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {settings.Timeout.TotalSeconds:F0} s");
            }
            catch (WorkerClientException ex)
            {
                throw SubmitFormat.ToCliException(ex);
            }

            if (settings.Json)
            {
                await context.Out.WriteLineAsync(ToJson(node));
            }
            else
            {
                SubmitFormat.WriteNode(context.Out, node);
                await context.Out.WriteLineAsync("verified: true");
            }

            return CliApplication.ExitOk;
        });
        return command;
    }

    internal static string ToJson(VerifiedNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, CliJson.Writer))
        {
            writer.WriteStartObject();
            writer.WriteString("node", node.Address.ToChecksumString());
            writer.WriteString("teeType", node.IsEmulated ? "emulated-tdx" : "tdx");
            writer.WriteString("agentVersion", node.AgentVersion);
            writer.WriteString("computeBackend", node.ComputeBackend);
            writer.WriteString("hpkePublicKey", SubmitFormat.Hex(node.HpkePublicKey));
            writer.WriteString("quoteHash", node.QuoteHash.ToString());
            writer.WriteNumber("chainId", node.ChainId);
            writer.WriteString("registry", node.Registry.ToChecksumString());
            writer.WriteBoolean("registered", node.Registration is not null);
            writer.WritePropertyName("tls");
            writer.WriteStartObject();
            writer.WriteBoolean("pinned", node.TransportPinned);
            if (node.TlsSpkiSha256 is { } spki)
            {
                writer.WriteString("spkiSha256", SubmitFormat.Hex(spki));
            }
            else
            {
                writer.WriteNull("spkiSha256");
            }

            writer.WriteEndObject();
            if (node.AcceptedProfile is { } profile)
            {
                writer.WriteString("measurementProfile", profile.Name);
            }
            else
            {
                writer.WriteNull("measurementProfile");
            }

            if (node.Agent is { } agent)
            {
                writer.WriteString("agentDigest", SubmitFormat.Hex(agent.Digest));
            }
            writer.WritePropertyName("eventLog");
            writer.WriteStartArray();
            foreach (var measured in node.Bundle.EventLog)
            {
                writer.WriteStartObject();
                writer.WriteNumber("rtmr", measured.RtmrIndex);
                writer.WriteString("type", measured.EventType);
                writer.WriteString("data", new Attestation.EventLog.RtmrEvent((int)measured.RtmrIndex, measured.EventType, measured.EventData.ToByteArray(), measured.Digest.ToByteArray()).DescribeData());
                writer.WriteString("digest", SubmitFormat.Hex(measured.Digest.Span));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WritePropertyName("appraisal");
            using (var appraisal = JsonDocument.Parse(node.Appraisal.ToJson(indented: false)))
            {
                appraisal.RootElement.WriteTo(writer);
            }

            SubmitFormat.WriteGpuJson(writer, node);
            writer.WriteBoolean("verified", true);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
