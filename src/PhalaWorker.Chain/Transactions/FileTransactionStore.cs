using System.Globalization;
using System.Text.Json;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>
/// Journals as JSON files, one per (chain id, address), in a directory. A save writes a temporary file, flushes it
/// to disk and renames it over the old one, so a crash leaves either the old or the new journal, never a torn one.
/// </summary>
public sealed class FileTransactionStore : ITransactionStore
{
    private readonly string _directory;
    private readonly SemaphoreSlim _lock = new(1, 1);

    public FileTransactionStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public string GetPath(ulong chainId, EthAddress from) =>
        Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"tx-{chainId}-{from.ToLowerHexString()}.json"));

    public async ValueTask<TransactionJournal?> LoadAsync(ulong chainId, EthAddress from, CancellationToken cancellationToken)
    {
        var path = GetPath(chainId, from);
        if (!File.Exists(path))
        {
            return null;
        }

        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                var journal = await JsonSerializer.DeserializeAsync(stream, ChainJsonContext.Default.TransactionJournal, cancellationToken).ConfigureAwait(false);
                if (journal is null || journal.ChainId != chainId || journal.From != from)
                {
                    throw new ChainException(ChainErrorReason.Unknown, $"The transaction journal {path} belongs to another chain or key.");
                }

                return journal;
            }
            catch (JsonException ex)
            {
                throw new ChainException(ChainErrorReason.Unknown, $"The transaction journal {path} is corrupt: {ex.Message}", ex);
            }
        }
    }

    public async ValueTask SaveAsync(TransactionJournal journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var path = GetPath(journal.ChainId, journal.From);
        var temp = path + ".tmp";
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, journal, ChainJsonContext.Default.TransactionJournal, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            _lock.Release();
        }
    }
}
