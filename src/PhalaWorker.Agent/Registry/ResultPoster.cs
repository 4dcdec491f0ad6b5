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
/// reaches <see cref="RegistryOptions.BatchSize"/> or its oldest receipt <see cref="RegistryOptions.BatchMaxAge"/>; then journals each
/// job's inclusion proof, which GetResult returns. Receipts finished but not posted before a restart are picked up from the journal
/// and posted in this node's batches even when the previous node key signed them: the registration named that node as
/// predecessor, so the registry's <c>verifyReceipt</c> accepts them here (the proof's <c>batch_node</c> is this node).
/// Leaves are domain separated (<see cref="ReceiptMerkleTree"/>). At stop, <see cref="FlushAsync"/> posts everything pending in
/// one final batch.
/// </summary>
internal sealed class ResultPoster(
    NodeContext node,
    ChainBinding chain,
    JobJournal journal,
    IReceiptBatchPoster gateway,
    IOptions<RegistryOptions> options,
    TimeProvider timeProvider,
    ILogger<ResultPoster> logger) : BackgroundService
{
    private readonly Channel<PendingReceipt> _incoming = Channel.CreateUnbounded<PendingReceipt>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _gate = new(1, 1); // the loop and the final flush never post the same receipts twice
    private readonly List<PendingReceipt> _pending = [];
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private bool _loaded;

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
        try
        {
            // Batches name this node (and its predecessor) in the registry: nothing is posted before the registration is.
            await chain.WaitSettledAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var tick = TimeSpan.FromTicks(Math.Clamp(settings.BatchMaxAge.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(tick, timeProvider);
        try
        {
            do
            {
                await _gate.WaitAsync(stoppingToken);
                try
                {
                    await LoadJournalOnceAsync(stoppingToken);
                    TakeIncoming();
                    while (_pending.Count > 0 && (_pending.Count >= settings.BatchSize || timeProvider.GetUtcNow() - _pending[0].FinishedAt >= settings.BatchMaxAge))
                    {
                        var batch = _pending.Take(settings.BatchSize).ToList();
                        if (!await TryPostAsync(batch, stoppingToken))
                        {
                            break; // retried on a later tick
                        }

                        Remove(batch.Count);
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop: unposted receipts stay in the journal without inclusion and are posted after the restart
        }
    }

    /// <summary>
    /// At stop: posts everything pending (including what the journal holds unbatched) in one final batch, whatever its size
    /// or age. Returns how many receipts it posted. A post that fails or is cancelled throws; its receipts stay journaled
    /// without inclusion and the successor posts them.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (!chain.Enabled || !chain.IsSettled || node.Current is null)
        {
            return 0;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await LoadJournalOnceAsync(cancellationToken);
            TakeIncoming();
            if (_pending.Count == 0)
            {
                return 0;
            }

            var batch = _pending.ToList();
            await PostAsync(batch, cancellationToken);
            Remove(batch.Count);
            return batch.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadJournalOnceAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        foreach (var (jobId, digest, finishedMs) in await journal.GetUnbatchedAsync(cancellationToken))
        {
            if (_known.Add(Convert.ToHexString(jobId)))
            {
                _pending.Add(new PendingReceipt(jobId, digest, DateTimeOffset.FromUnixTimeMilliseconds(finishedMs)));
                AgentTelemetry.ReceiptsPending.Add(1);
            }
        }

        _loaded = true;
    }

    private void TakeIncoming()
    {
        while (_incoming.Reader.TryRead(out var receipt))
        {
            if (_known.Add(Convert.ToHexString(receipt.JobId)))
            {
                _pending.Add(receipt);
            }
        }
    }

    private void Remove(int count)
    {
        foreach (var posted in _pending.Take(count))
        {
            _known.Remove(Convert.ToHexString(posted.JobId));
        }

        _pending.RemoveRange(0, count);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private async Task<bool> TryPostAsync(List<PendingReceipt> batch, CancellationToken cancellationToken)
    {
        try
        {
            await PostAsync(batch, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AgentLog.BatchPostFailed(logger, batch.Count, ex);
            return false;
        }
    }

    private async Task PostAsync(List<PendingReceipt> batch, CancellationToken cancellationToken)
    {
        var tree = new ReceiptMerkleTree(batch.Select(r => new Hash32(r.Digest)).ToList());
        var posted = await gateway.PostBatchAsync(node.Required, tree.Root, (uint)batch.Count, cancellationToken);

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
    }

    private sealed record PendingReceipt(byte[] JobId, byte[] Digest, DateTimeOffset FinishedAt);
}
