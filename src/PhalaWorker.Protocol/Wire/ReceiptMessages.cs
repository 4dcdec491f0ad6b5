using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Protocol.Wire;

/// <summary>
/// The <see cref="Receipt"/> message ⇄ the signed receipt (<see cref="JobReceiptData"/>, whose EIP-712 form is
/// <see cref="JobReceiptTypedData"/>), defined once for the node that writes it and the submitter that reads it:
/// <code>
/// job_id, model_hash, input_hash, output_hash, quote_hash   32 bytes each  = JobReceipt.jobId … quoteHash
/// finished_at (unix seconds), backend                                     = JobReceipt.finishedAt, backend
/// chain_id, registry_address (20)                                         = the EIP-712 domain's chainId, verifyingContract
/// node_address (20)                                                       = the signer
/// signature (65)                                                          = r ‖ s ‖ v (27/28) over the EIP-712 digest
/// </code>
/// </summary>
public static class ReceiptMessages
{
    /// <summary>The message for a signed receipt.</summary>
    public static Receipt ToMessage(JobReceiptData data, ulong chainId, EthAddress registry, EthAddress node, ReadOnlySpan<byte> signature65)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new Receipt
        {
            JobId = ByteString.CopyFrom(data.JobId.AsSpan()),
            ModelHash = ByteString.CopyFrom(data.ModelHash.AsSpan()),
            InputHash = ByteString.CopyFrom(data.InputHash.AsSpan()),
            OutputHash = ByteString.CopyFrom(data.OutputHash.AsSpan()),
            QuoteHash = ByteString.CopyFrom(data.QuoteHash.AsSpan()),
            FinishedAt = data.FinishedAt,
            Backend = data.Backend,
            ChainId = chainId,
            RegistryAddress = ByteString.CopyFrom(registry.AsSpan()),
            NodeAddress = ByteString.CopyFrom(node.AsSpan()),
            Signature = ByteString.CopyFrom(signature65),
        };
    }

    /// <summary>The signed fields of <paramref name="receipt"/>; false when a field has the wrong length.</summary>
    public static bool TryReadData(Receipt receipt, [NotNullWhen(true)] out JobReceiptData? data)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        data = null;
        if (receipt.JobId.Length != Hash32.Size || receipt.ModelHash.Length != Hash32.Size || receipt.InputHash.Length != Hash32.Size
            || receipt.OutputHash.Length != Hash32.Size || receipt.QuoteHash.Length != Hash32.Size || receipt.Signature.Length != 65
            || receipt.RegistryAddress.Length != EthAddress.Size || receipt.NodeAddress.Length != EthAddress.Size)
        {
            return false;
        }

        data = new JobReceiptData(
            new Hash32(receipt.JobId.Span), new Hash32(receipt.ModelHash.Span), new Hash32(receipt.InputHash.Span), new Hash32(receipt.OutputHash.Span),
            new Hash32(receipt.QuoteHash.Span), receipt.FinishedAt, receipt.Backend);
        return true;
    }
}
