using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// Batches receipt digests into a <see cref="ReceiptMerkleTree"/> and posts its root to the NodeRegistry when the batch
/// reaches <see cref="AgentOptions.BatchSize"/> or its oldest receipt <see cref="AgentOptions.BatchMaxAge"/>; then journals each
/// job's inclusion proof, which GetResult returns. Receipts finished but not posted before a restart are picked up from the journal
/// and posted in this node's batches even when the previous node key signed them: the registration named that node as
/// predecessor, so the registry's <c>verifyReceipt</c> accepts them here (the proof's <c>batch_node</c> is this node).
/// Leaves are domain separated (<see cref="ReceiptMerkleTree"/>).
/// </summary>
internal sealed class ResultPoster(
    NodeContext node,
    ChainBinding chain,
    JobJournal journal,
    RegistryGateway gateway,
    IOptions<AgentOptions> options,
    TimeProvider timeProvider,
    ILogger<ResultPoster> logger) : BackgroundService
{
    private readonly Channel<PendingReceipt> _incoming = Channel.CreateUnbounded<PendingReceipt>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Hands a finished job's receipt digest to the poster (ignored without a chain).</summary>
    public void Add(byte[] jobId, byte[] receiptDigest, DateTimeOffset finishedAt)
    {
        if (chain.Enabled)
        {
            _incoming.Writer.TryWrite(new PendingReceipt(jobId, receiptDigest, finishedAt));
            AgentTelemetry.ReceiptsPending.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!chain.Enabled)
        {
            return;
        }

        var settings = options.Value;
        var pending = new List<PendingReceipt>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (jobId, digest, finishedMs) in await journal.GetUnbatchedAsync(stoppingToken))
        {
            pending.Add(new PendingReceipt(jobId, digest, DateTimeOffset.FromUnixTimeMilliseconds(finishedMs)));
            known.Add(Convert.ToHexString(jobId));
        }

        AgentTelemetry.ReceiptsPending.Add(pending.Count);

        var tick = TimeSpan.FromTicks(Math.Clamp(settings.BatchMaxAge.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(tick, timeProvider);
        try
        {
            do
            {
                while (_incoming.Reader.TryRead(out var receipt))
                {
                    if (known.Add(Convert.ToHexString(receipt.JobId)))
                    {
                        pending.Add(receipt);
                    }
                }

                while (pending.Count > 0 && (pending.Count >= settings.BatchSize || timeProvider.GetUtcNow() - pending[0].FinishedAt >= settings.BatchMaxAge))
                {
                    var batch = pending.Take(settings.BatchSize).ToList();
                    if (!await TryPostAsync(batch, stoppingToken))
                    {
                        break; // retried on a later tick
                    }

                    pending.RemoveRange(0, batch.Count);
                    foreach (var posted in batch)
                    {
                        known.Remove(Convert.ToHexString(posted.JobId));
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop: unposted receipts stay in the journal without inclusion and are posted after the restart
        }
    }

    private async Task<bool> TryPostAsync(List<PendingReceipt> batch, CancellationToken cancellationToken)
    {
        var tree = new ReceiptMerkleTree(batch.Select(r => new Hash32(r.Digest)).ToList());
        PostedBatch posted;
        try
        {
            posted = await gateway.PostBatchAsync(node.Required, tree.Root, (uint)batch.Count, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AgentLog.BatchPostFailed(logger, batch.Count, ex);
            return false;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var inclusion = new InclusionProof
            {
                BatchIndex = posted.BatchIndex,
                BatchRoot = ByteString.CopyFrom(tree.Root.AsSpan()),
                TransactionHash = ByteString.CopyFrom(posted.TransactionHash.AsSpan()),
                BlockNumber = posted.BlockNumber,
                BatchNode = ByteString.CopyFrom(node.Required.Address.AsSpan()),
            };
            foreach (var sibling in tree.GetProof(i))
            {
                inclusion.Proof.Add(ByteString.CopyFrom(sibling.AsSpan()));
            }

            await journal.SetInclusionAsync(batch[i].JobId, inclusion.ToByteArray(), CancellationToken.None);
        }

        AgentLog.BatchPosted(logger, posted.BatchIndex, batch.Count, tree.Root.ToString(), posted.TransactionHash.ToString());
        AgentTelemetry.BatchesPosted.Add(1);
        AgentTelemetry.ReceiptsPending.Add(-batch.Count);
        AgentTelemetry.BatchLag.Record((timeProvider.GetUtcNow() - batch[0].FinishedAt).TotalSeconds);
        return true;
    }

    private sealed record PendingReceipt(byte[] JobId, byte[] Digest, DateTimeOffset FinishedAt);
}
