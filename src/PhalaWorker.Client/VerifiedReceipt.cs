using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;

namespace PhalaWorker.Client;

/// <summary>A receipt whose fields were recomputed and whose signature recovers to the node.</summary>
public sealed record VerifiedReceipt(JobReceiptData Data, ulong ChainId, EthAddress Registry, EthAddress Signer, Hash32 Digest, byte[] Signature)
{
    /// <summary>The receipt in the eth_signTypedData_v4 JSON shape plus <c>signature</c>.</summary>
    public string ToJson() => JobReceiptTypedData.ToJson(Data, ChainId, Registry, Signature);
}
