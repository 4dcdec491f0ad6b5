using System.Text.Json;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// What <c>submit --out DIR</c> and <c>result fetch</c> write and print alike: each output as <c>&lt;name&gt;.pb</c> (the name
/// sanitized as <c>onnx run --out</c> does), <c>receipt.json</c> (eth_signTypedData_v4 + signature) and <c>proof.json</c>
/// (<see cref="ReceiptInclusionProof"/>, once the receipt's batch is on chain): the two files <c>result verify</c> reads.
/// </summary>
internal static class JobResultFiles
{
    public const string ReceiptFileName = "receipt.json";

    public const string ProofFileName = "proof.json";

    /// <summary>The inclusion proof in the form <c>result verify --proof</c> reads (the batch node defaults to the signer).</summary>
    public static ReceiptInclusionProof ToProof(VerifiedReceipt receipt, InclusionProof inclusion)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(inclusion);
        var node = inclusion.BatchNode.Length == EthAddress.Size ? new EthAddress(inclusion.BatchNode.Span) : receipt.Signer;
        return new ReceiptInclusionProof(node, inclusion.BatchIndex, receipt.Digest, [.. inclusion.Proof.Select(p => new Hash32(p.Span))], new Hash32(inclusion.BatchRoot.Span));
    }

    /// <summary>Writes the outputs, the receipt and (when given) the proof under <paramref name="directory"/>; returns the file names.</summary>
    public static IReadOnlyList<string> Write(string directory, JobOutput output, VerifiedReceipt receipt, ReceiptInclusionProof? proof)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(receipt);
        try
        {
            Directory.CreateDirectory(directory);
            var written = new List<string>();
            var taken = new HashSet<string>(StringComparer.Ordinal) { JobFile.FileName, ReceiptFileName, ProofFileName };
            for (var i = 0; i < output.Outputs.Count; i++)
            {
                var name = OnnxCommandFactory.OutputFileName(output.Outputs[i].Name, i, taken);
                File.WriteAllBytes(Path.Combine(directory, name), output.Outputs[i].Tensor.ToByteArray());
                written.Add(name);
            }

            File.WriteAllText(Path.Combine(directory, ReceiptFileName), receipt.ToJson());
            written.Add(ReceiptFileName);
            if (proof is not null)
            {
                File.WriteAllText(Path.Combine(directory, ProofFileName), proof.ToJson());
                written.Add(ProofFileName);
            }

            return written;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the results under {directory}: {ex.Message}");
        }
    }

    /// <summary>Writes the <c>proof</c> member: the <see cref="ReceiptInclusionProof"/> JSON, or null while the batch is not posted.</summary>
    public static void WriteProofJson(Utf8JsonWriter writer, ReceiptInclusionProof? proof)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName("proof");
        if (proof is null)
        {
            writer.WriteNullValue();
            return;
        }

        using var document = JsonDocument.Parse(proof.ToJson());
        document.RootElement.WriteTo(writer);
    }

    /// <summary>Writes the <c>inclusion</c> member (the receipt's batch on chain), as <c>submit --json</c> and <c>result fetch --json</c> print it.</summary>
    public static void WriteInclusionJson(Utf8JsonWriter writer, InclusionProof inclusion, bool verifiedOnChain)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(inclusion);
        writer.WriteStartObject("inclusion");
        writer.WriteNumber("batchIndex", inclusion.BatchIndex);
        writer.WriteString("batchRoot", SubmitFormat.Hex(inclusion.BatchRoot.Span));
        writer.WriteString("transactionHash", SubmitFormat.Hex(inclusion.TransactionHash.Span));
        writer.WriteNumber("blockNumber", inclusion.BlockNumber);
        writer.WriteBoolean("verifiedOnChain", verifiedOnChain);
        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>out</c> and <c>files</c> members: the directory and the files written into it.</summary>
    public static void WriteFilesJson(Utf8JsonWriter writer, string directory, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(files);
        writer.WriteString("out", directory);
        writer.WriteStartArray("files");
        foreach (var file in files)
        {
            writer.WriteStringValue(file);
        }

        writer.WriteEndArray();
    }
}
