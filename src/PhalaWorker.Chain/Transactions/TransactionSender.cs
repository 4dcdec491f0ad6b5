using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Transactions;

/// <summary>
/// Sends EIP-1559 transactions for one key and sees them through to a confirmed receipt.
/// <list type="bullet">
/// <item>Nonces come from a durable <see cref="ITransactionStore"/> reconciled with the node: gaps are filled and a
/// "nonce too low" re-assigns the nonce unless one of the transaction's own attempts was mined.</item>
/// <item>Fees come from <c>eth_feeHistory</c>: maxFeePerGas = 2 × next base fee + tip, capped by the options.</item>
/// <item>Every signed attempt is journaled before broadcast; waiting re-broadcasts what the node does not know
/// (node restart), replaces a stuck transaction with both fees raised by ≥ 10 %, re-sends one whose receipt vanished
/// (reorg) and returns only after N confirmations. After a crash a new sender on the same store resumes all of it,
/// and a request repeated with the same <see cref="TransactionRequest.IdempotencyKey"/> is never sent twice.</item>
/// </list>
/// </summary>
public sealed class TransactionSender : IDisposable
{
    private readonly EthJsonRpcClient _rpc;
    private readonly EthSigner _signer;
    private readonly ITransactionStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private TransactionJournal? _journal;

    public TransactionSender(
        EthJsonRpcClient rpc,
        EthSigner signer,
        ITransactionStore store,
        TransactionSenderOptions options,
        TimeProvider? timeProvider = null,
        ILogger<TransactionSender>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FeeBumpPercent, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Confirmations, 1);
        _rpc = rpc;
        _signer = signer;
        _store = store;
        Options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public EthAddress From => _signer.Address;

    public TransactionSenderOptions Options { get; }

    public EthJsonRpcClient Rpc => _rpc;

    /// <summary>
    /// Checks the node's chain id, loads the journal and re-broadcasts what it holds pending. Idempotent; the other
    /// methods call it on first use.
    /// </summary>
    /// <exception cref="ChainException">Reason <see cref="ChainErrorReason.WrongChainId"/> when the node is on another chain.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Transactions of the journal still pending (to hand to <see cref="WaitForReceiptAsync"/> after a restart).</summary>
    public async Task<IReadOnlyList<StoredTransaction>> GetPendingAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return [.. Volatile.Read(ref _journal)!.Transactions.Where(t => t.State == TransactionState.Pending)];
    }

    /// <summary>The journaled transaction of <paramref name="idempotencyKey"/>, or null.</summary>
    public async Task<StoredTransaction?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return FindJournaled(idempotencyKey);
    }

    /// <summary>Sends and waits for the confirmed receipt.</summary>
    /// <exception cref="TransactionRevertedException">The call would revert (not sent) or reverted when mined.</exception>
    public Task<TransactionReceipt> SendAsync(EthAddress? to, ReadOnlyMemory<byte> data, BigInteger value = default, CancellationToken cancellationToken = default) =>
        SendAsync(new TransactionRequest(to, data, value), cancellationToken);

    /// <summary>Sends (or finds by idempotency key) and waits for the confirmed receipt.</summary>
    /// <exception cref="TransactionRevertedException">The call would revert (not sent) or reverted when mined.</exception>
    public async Task<TransactionReceipt> SendAsync(TransactionRequest request, CancellationToken cancellationToken = default)
    {
        var tx = await SubmitAsync(request, cancellationToken).ConfigureAwait(false);
        return await WaitForReceiptAsync(tx.Key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Estimates, prices, assigns the nonce, signs, journals and broadcasts; returns without waiting. With a known
    /// idempotency key it returns the journaled transaction untouched.
    /// </summary>
    public async Task<StoredTransaction> SubmitAsync(TransactionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedLockedAsync(cancellationToken).ConfigureAwait(false);
            var key = request.IdempotencyKey ?? Guid.NewGuid().ToString("n");
            if (FindJournaled(key) is { } existing)
            {
                if (!existing.Data.AsSpan().SequenceEqual(request.Data.Span) || existing.To != request.To || existing.Value != request.Value)
                {
                    throw new ArgumentException($"Idempotency key '{key}' was already used for another transaction.", nameof(request));
                }

                return existing;
            }

            var gasLimit = request.GasLimit ?? await EstimateGasAsync(request, cancellationToken).ConfigureAwait(false);
            var (maxFee, tip) = await GetFeesAsync(cancellationToken).ConfigureAwait(false);
            var nonce = await AssignNonceLockedAsync(cancellationToken).ConfigureAwait(false);
            var data = request.Data.ToArray();
            var attempt = Sign(nonce, tip, maxFee, gasLimit, request.To, request.Value, data);
            var tx = new StoredTransaction(key, nonce, request.To, data, request.Value, gasLimit, [attempt], TransactionState.Pending, null, null, _timeProvider.GetUtcNow());
            var journal = _journal!;
            await SaveLockedAsync(journal with { NextNonce = Math.Max(journal.NextNonce, nonce + 1) }, tx, cancellationToken).ConfigureAwait(false);
            ChainLog.TxSending(_logger, attempt.Hash.ToString(), nonce, From.ToString(), maxFee, tip);
            return await BroadcastLockedAsync(tx, firstBroadcast: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Polls until the transaction of <paramref name="idempotencyKey"/> has <see cref="TransactionSenderOptions.Confirmations"/>
    /// confirmations, re-broadcasting, replacing (stuck) and re-sending (reorg) as needed. Transient node failures are
    /// waited out until <see cref="TransactionSenderOptions.ReceiptTimeout"/>.
    /// </summary>
    public async Task<TransactionReceipt> WaitForReceiptAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var deadline = _timeProvider.GetUtcNow() + Options.ReceiptTimeout;
        TransactionReceipt? seen = null;
        JsonRpcException? lastError = null;
        while (true)
        {
            var tx = FindJournaled(idempotencyKey) ?? throw new ArgumentException($"No transaction with idempotency key '{idempotencyKey}'.", nameof(idempotencyKey));
            try
            {
                switch (tx.State)
                {
                    case TransactionState.Dropped:
                        throw new ChainException(ChainErrorReason.TransactionFailed, $"Transaction '{tx.Key}' (nonce {tx.Nonce}) was refused by the node and dropped.");
                    case TransactionState.Confirmed or TransactionState.Reverted:
                        var final = await _rpc.GetTransactionReceiptAsync(tx.MinedHash!.Value, cancellationToken).ConfigureAwait(false);
                        if (final is not null)
                        {
                            return final.Succeeded ? final : throw await RevertedAsync(tx, final, cancellationToken).ConfigureAwait(false);
                        }

                        // Gone after confirmation (a reorg deeper than the confirmations): treat it as pending again.
                        tx = await UpdateAsync(tx.Key, t => t with { State = TransactionState.Pending, MinedHash = null, BlockNumber = null }, cancellationToken).ConfigureAwait(false);
                        break;
                }

                var receipt = await FindReceiptAsync(tx, cancellationToken).ConfigureAwait(false);
                if (receipt is not null)
                {
                    seen = receipt;
                    var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
                    var confirmations = head >= receipt.BlockNumber ? head - receipt.BlockNumber + 1 : 0;
                    if (confirmations >= (ulong)Options.Confirmations)
                    {
                        var block = await _rpc.GetBlockByNumberAsync(receipt.BlockNumber, cancellationToken).ConfigureAwait(false);
                        if (block is not null && block.Hash == receipt.BlockHash)
                        {
                            var state = receipt.Succeeded ? TransactionState.Confirmed : TransactionState.Reverted;
                            await UpdateAsync(tx.Key, t => t with { State = state, MinedHash = receipt.TransactionHash, BlockNumber = receipt.BlockNumber }, cancellationToken).ConfigureAwait(false);
                            ChainLog.TxConfirmed(_logger, receipt.TransactionHash.ToString(), tx.Nonce, receipt.BlockNumber, receipt.Status);
                            ChainTelemetry.GasUsed.Add((long)receipt.GasUsed, new KeyValuePair<string, object?>("succeeded", receipt.Succeeded));
                            return receipt.Succeeded ? receipt : throw await RevertedAsync(tx, receipt, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                else if (seen is not null)
                {
                    ChainLog.TxReorged(_logger, seen.TransactionHash.ToString());
                    seen = null;
                    await RebroadcastAsync(tx.Key, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Unmined for too long (priced out, or refused again and again): replace with higher fees.
                    // Otherwise make sure the node has it (it may have restarted and lost its pool).
                    if (_timeProvider.GetUtcNow() - tx.Latest.SignedAt >= Options.ReplaceAfter)
                    {
                        await ReplaceAsync(tx.Key, cancellationToken).ConfigureAwait(false);
                    }
                    else if (await _rpc.GetTransactionByHashAsync(tx.Latest.Hash, cancellationToken).ConfigureAwait(false) is null)
                    {
                        await RebroadcastAsync(tx.Key, cancellationToken).ConfigureAwait(false);
                    }
                }

                lastError = null;
            }
            catch (JsonRpcException ex) when (ex.IsTransient)
            {
                // The node is down or slow: the transaction is journaled, keep polling until the deadline.
                lastError = ex;
            }

            if (_timeProvider.GetUtcNow() >= deadline)
            {
                throw new ChainException(
                    ChainErrorReason.TransactionFailed,
                    $"Transaction '{tx.Key}' (nonce {tx.Nonce}, {tx.Latest.Hash}) was not confirmed within {Options.ReceiptTimeout}; it stays journaled and is resumed by the next wait."
                    + (lastError is null ? string.Empty : " Last error: " + lastError.Message),
                    lastError);
            }

            await Task.Delay(Options.PollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _lock.Dispose();

    // ------------------------------------------------------------------ internals

    private StoredTransaction? FindJournaled(string key)
    {
        var journal = Volatile.Read(ref _journal);
        if (journal is null)
        {
            return null;
        }

        for (var i = journal.Transactions.Count - 1; i >= 0; i--)
        {
            if (journal.Transactions[i].Key == key)
            {
                return journal.Transactions[i];
            }
        }

        return null;
    }

    private async Task EnsureInitializedLockedAsync(CancellationToken cancellationToken)
    {
        if (_journal is not null)
        {
            return;
        }

        var chainId = await _rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (chainId != Options.ChainId)
        {
            throw new ChainException(
                ChainErrorReason.WrongChainId,
                $"The node at {_rpc.Endpoint} is on chain {chainId}, but the sender is configured for chain {Options.ChainId}; refusing to sign.");
        }

        var journal = await _store.LoadAsync(chainId, From, cancellationToken).ConfigureAwait(false)
            ?? new TransactionJournal(chainId, From, 0, []);
        Volatile.Write(ref _journal, journal);
        var pending = journal.Transactions.Where(t => t.State == TransactionState.Pending).ToList();
        if (pending.Count > 0)
        {
            ChainLog.TxResuming(_logger, pending.Count, From.ToString());
            foreach (var tx in pending)
            {
                try
                {
                    await BroadcastLockedAsync(tx, firstBroadcast: false, cancellationToken).ConfigureAwait(false);
                }
                catch (JsonRpcException ex)
                {
                    // Waiting retries; one failed re-broadcast must not stop the start.
                    ChainLog.TxBroadcastFailed(_logger, tx.Latest.Hash.ToString(), ex.Message);
                }
            }
        }
    }

    private async Task<ulong> EstimateGasAsync(TransactionRequest request, CancellationToken cancellationToken)
    {
        var call = new CallRequest { From = From, To = request.To, Data = request.Data.ToArray(), Value = request.Value.IsZero ? null : request.Value };
        try
        {
            var estimate = await _rpc.EstimateGasAsync(call, cancellationToken: cancellationToken).ConfigureAwait(false);
            return (ulong)Math.Ceiling(estimate * Options.GasLimitMargin);
        }
        catch (JsonRpcException ex) when (ex.Kind == JsonRpcErrorKind.Reverted)
        {
            throw new TransactionRevertedException($"The transaction would revert: {ex.RevertReason ?? ex.RpcMessage}", ex.RevertData, null, ex);
        }
    }

    /// <summary>maxFeePerGas = 2 × next base fee + tip (capped); tip = median recent reward, at least the configured minimum.</summary>
    internal async Task<(BigInteger MaxFee, BigInteger Tip)> GetFeesAsync(CancellationToken cancellationToken)
    {
        var history = await _rpc.FeeHistoryAsync(5, BlockTag.Latest, [50], cancellationToken).ConfigureAwait(false);
        if (history.BaseFeePerGas.Count == 0)
        {
            throw new JsonRpcException(JsonRpcErrorKind.MalformedResponse, "eth_feeHistory", "no base fee in the fee history");
        }

        var baseFee = history.BaseFeePerGas[^1];
        var rewards = (history.Reward ?? []).Where(r => r.Count > 0).Select(r => r[0]).Order().ToList();
        var tip = rewards.Count > 0 ? rewards[rewards.Count / 2] : BigInteger.Zero;
        tip = BigInteger.Max(tip, Options.MinPriorityFeePerGas);
        if (baseFee + tip > Options.MaxFeePerGas)
        {
            throw new ChainException(
                ChainErrorReason.TransactionFailed,
                $"The base fee {baseFee} wei plus tip {tip} wei exceeds the configured cap of {Options.MaxFeePerGas} wei per gas; not sending.");
        }

        var maxFee = BigInteger.Min((2 * baseFee) + tip, Options.MaxFeePerGas);
        return (maxFee, tip);
    }

    private async Task<ulong> AssignNonceLockedAsync(CancellationToken cancellationToken)
    {
        var journal = _journal!;
        var chainNonce = await _rpc.GetTransactionCountAsync(From, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var pendingNonces = journal.Transactions.Where(t => t.State == TransactionState.Pending).Select(t => t.Nonce).ToHashSet();
        // The lowest nonce at or above the node's count that none of our pending transactions holds: this fills gaps
        // (a dropped transaction) and steps over nonces used outside this journal.
        var nonce = chainNonce;
        while (pendingNonces.Contains(nonce))
        {
            nonce++;
        }

        if (nonce != journal.NextNonce && pendingNonces.Count == 0)
        {
            ChainLog.NonceResync(_logger, From.ToString(), chainNonce, journal.NextNonce);
        }

        return nonce;
    }

    private SignedAttempt Sign(ulong nonce, BigInteger tip, BigInteger maxFee, ulong gasLimit, EthAddress? to, BigInteger value, byte[] data)
    {
        var signed = EthTransactions.Sign(_signer, EthTransactions.Eip1559(Options.ChainId, nonce, tip, maxFee, gasLimit, to, value, data));
        var (raw, hash) = (signed.RawTransaction, signed.Hash);
        return new SignedAttempt(hash, raw, maxFee, tip, _timeProvider.GetUtcNow());
    }

    private async Task<StoredTransaction> BroadcastLockedAsync(StoredTransaction tx, bool firstBroadcast, CancellationToken cancellationToken)
    {
        var attempt = tx.Latest;
        try
        {
            await _rpc.SendRawTransactionAsync(attempt.RawTransaction, cancellationToken).ConfigureAwait(false);
            ChainTelemetry.TransactionsBroadcast.Add(1, new KeyValuePair<string, object?>("first", firstBroadcast));
            return tx;
        }
        catch (JsonRpcException ex) when (ex.IsTransient || ex.Kind is JsonRpcErrorKind.MalformedResponse or JsonRpcErrorKind.HttpStatus)
        {
            // Journaled, and the node may or may not have taken it: waiting polls and re-broadcasts, never signs anew.
            ChainLog.TxBroadcastFailed(_logger, attempt.Hash.ToString(), ex.Message);
            return tx;
        }
        catch (JsonRpcException ex) when (ex.Kind is JsonRpcErrorKind.RpcError or JsonRpcErrorKind.Reverted)
        {
            var message = ex.RpcMessage.ToLowerInvariant();
            if (message.Contains("already known", StringComparison.Ordinal) || message.Contains("known transaction", StringComparison.Ordinal)
                || message.Contains("already imported", StringComparison.Ordinal) || message.Contains("already exists", StringComparison.Ordinal))
            {
                return tx;
            }

            if (message.Contains("underpriced", StringComparison.Ordinal))
            {
                // Another attempt of ours holds the nonce in the pool; waiting replaces it when stuck.
                ChainLog.TxBroadcastFailed(_logger, attempt.Hash.ToString(), ex.RpcMessage);
                return tx;
            }

            if (message.Contains("nonce too low", StringComparison.Ordinal) || message.Contains("nonce has already been used", StringComparison.Ordinal)
                || message.Contains("noncetoolow", StringComparison.Ordinal))
            {
                if (await FindReceiptAsync(tx, cancellationToken).ConfigureAwait(false) is not null)
                {
                    return tx; // Ours was mined: nothing to do.
                }

                // The nonce went to a transaction outside this journal: re-assign and re-sign (not a double: ours never mined).
                var nonce = await AssignNonceLockedAsync(cancellationToken).ConfigureAwait(false);
                var (maxFee, tip) = await GetFeesAsync(cancellationToken).ConfigureAwait(false);
                var renewed = Sign(nonce, tip, maxFee, tx.GasLimit, tx.To, tx.Value, tx.Data);
                var updated = tx with { Nonce = nonce, Attempts = [.. tx.Attempts, renewed] };
                var journal = _journal!;
                await SaveLockedAsync(journal with { NextNonce = Math.Max(journal.NextNonce, nonce + 1) }, updated, cancellationToken).ConfigureAwait(false);
                ChainLog.TxSending(_logger, renewed.Hash.ToString(), nonce, From.ToString(), maxFee, tip);
                return await BroadcastLockedAsync(updated, firstBroadcast, cancellationToken).ConfigureAwait(false);
            }

            if (!firstBroadcast)
            {
                // A replacement or re-broadcast refused: earlier attempts stand; waiting decides.
                ChainLog.TxBroadcastFailed(_logger, attempt.Hash.ToString(), ex.RpcMessage);
                return tx;
            }

            // Refused for good (insufficient funds, gas limit, invalid): release the nonce and report.
            await SaveLockedAsync(_journal!, tx with { State = TransactionState.Dropped }, cancellationToken).ConfigureAwait(false);
            throw new ChainException(ChainErrorReason.TransactionFailed, $"The node refused transaction '{tx.Key}' (nonce {tx.Nonce}): {ex.RpcMessage}", ex);
        }
    }

    private async Task<TransactionReceipt?> FindReceiptAsync(StoredTransaction tx, CancellationToken cancellationToken)
    {
        for (var i = tx.Attempts.Count - 1; i >= 0; i--)
        {
            var receipt = await _rpc.GetTransactionReceiptAsync(tx.Attempts[i].Hash, cancellationToken).ConfigureAwait(false);
            if (receipt is not null)
            {
                return receipt;
            }
        }

        return null;
    }

    private async Task RebroadcastAsync(string key, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (FindJournaled(key) is { State: TransactionState.Pending } tx)
            {
                await BroadcastLockedAsync(tx, firstBroadcast: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Replaces a stuck transaction: same nonce, both fees raised by at least <see cref="TransactionSenderOptions.FeeBumpPercent"/>.</summary>
    private async Task ReplaceAsync(string key, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (FindJournaled(key) is not { State: TransactionState.Pending } tx)
            {
                return;
            }

            var old = tx.Latest;
            var (marketMaxFee, marketTip) = await GetFeesAsync(cancellationToken).ConfigureAwait(false);
            var tip = BigInteger.Max(marketTip, Bump(old.MaxPriorityFeePerGas));
            var maxFee = BigInteger.Max(marketMaxFee, Bump(old.MaxFeePerGas));
            maxFee = BigInteger.Max(maxFee, tip);
            if (maxFee > Options.MaxFeePerGas)
            {
                // Cannot outbid within the cap: keep the current attempt alive in the node's pool instead.
                ChainLog.TxBroadcastFailed(_logger, old.Hash.ToString(), $"cannot replace: the bumped fee {maxFee} exceeds the cap {Options.MaxFeePerGas}");
                await BroadcastLockedAsync(tx, firstBroadcast: false, cancellationToken).ConfigureAwait(false);
                return;
            }

            var attempt = Sign(tx.Nonce, tip, maxFee, tx.GasLimit, tx.To, tx.Value, tx.Data);
            var updated = tx with { Attempts = [.. tx.Attempts, attempt] };
            await SaveLockedAsync(_journal!, updated, cancellationToken).ConfigureAwait(false);
            ChainLog.TxReplacing(_logger, tx.Nonce, From.ToString(), old.Hash.ToString(), attempt.Hash.ToString(), maxFee, tip);
            await BroadcastLockedAsync(updated, firstBroadcast: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>value × (100 + bump) / 100, rounded up, and at least value + 1.</summary>
    private BigInteger Bump(BigInteger value)
    {
        var bumped = ((value * (100 + Options.FeeBumpPercent)) + 99) / 100;
        return BigInteger.Max(bumped, value + 1);
    }

    private async Task<StoredTransaction> UpdateAsync(string key, Func<StoredTransaction, StoredTransaction> change, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tx = FindJournaled(key)!;
            var updated = change(tx);
            await SaveLockedAsync(_journal!, updated, cancellationToken).ConfigureAwait(false);
            return updated;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Upserts <paramref name="tx"/> into <paramref name="journal"/>, trims old finished entries, saves, then publishes.</summary>
    private async Task SaveLockedAsync(TransactionJournal journal, StoredTransaction tx, CancellationToken cancellationToken)
    {
        var list = journal.Transactions.Where(t => t.Key != tx.Key).Append(tx).OrderBy(t => t.CreatedAt).ToList();
        var finished = list.Count(t => t.State != TransactionState.Pending);
        if (finished > Options.JournalHistory)
        {
            var drop = finished - Options.JournalHistory;
            list = [.. list.Where(t => t.State == TransactionState.Pending || drop-- <= 0)];
        }

        var updated = journal with { Transactions = list };
        await _store.SaveAsync(updated, CancellationToken.None).ConfigureAwait(false);
        Volatile.Write(ref _journal, updated);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task<TransactionRevertedException> RevertedAsync(StoredTransaction tx, TransactionReceipt receipt, CancellationToken cancellationToken)
    {
        // Replay the call on the parent block for a reason; best effort (state may differ from inside the block).
        byte[]? revertData = null;
        try
        {
            var call = new CallRequest { From = From, To = tx.To, Data = tx.Data, Value = tx.Value.IsZero ? null : tx.Value, Gas = tx.GasLimit };
            await _rpc.CallAsync(call, receipt.BlockNumber > 0 ? receipt.BlockNumber - 1 : 0, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException ex) when (ex.Kind == JsonRpcErrorKind.Reverted)
        {
            revertData = ex.RevertData;
        }
        catch (JsonRpcException)
        {
            // No reason available.
        }

        var reason = revertData is null ? "no reason" : RevertDecoder.Describe(revertData);
        return new TransactionRevertedException($"Transaction {receipt.TransactionHash} ('{tx.Key}') reverted in block {receipt.BlockNumber}: {reason}", revertData, receipt);
    }
}
