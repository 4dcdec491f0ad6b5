using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// The durable record of every job (SQLite, WAL). Holds only what may leave the TD: the sealed envelope,
/// the sealed output, the signed receipt and its inclusion proof, the address of the node identity that accepted the job,
/// the hash of the job's access token, and failure reasons that name no tensor, shape or operator — never plaintext.
/// Queued and running jobs are re-queued at start, so a crash loses no accepted job.
/// <para>
/// Writes go through one writer (one connection, one task) that commits whatever is waiting as one transaction (group
/// commit) and acknowledges each write only after that commit; at <see cref="JournalDurability.Strict"/> the commit is
/// fsynced (<c>synchronous = FULL</c>). One writer means no SQLite busy-retry waits; readers use their own pooled
/// connections and never block the writer (WAL). The envelope is written once, into its own table, and deleted when the
/// job ends, so state changes rewrite only the small job row.
/// </para>
/// </summary>
internal sealed class JobJournal : IAsyncDisposable
{
    /// <summary>Most writes committed in one transaction.</summary>
    internal const int MaxGroup = 512;

    /// <summary>Idle read connections kept open (each with its lookup statement prepared).</summary>
    private const int MaxPooledLookups = 16;

    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;
    private readonly SqliteConnection _writer;
    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Task _writerLoop;
    private readonly ConcurrentBag<RecordLookup> _lookups = [];
    private readonly Dictionary<string, SqliteCommand> _writerCommands = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;
    private volatile bool _disposed;
    private long _commits;
    private long _writesCommitted;

    private JobJournal(string path, string connectionString, TimeProvider timeProvider, SqliteConnection writer, JournalDurability durability)
    {
        Path = path;
        Durability = durability;
        _connectionString = connectionString;
        _timeProvider = timeProvider;
        _writer = writer;
        _writerLoop = Task.Run(WriteLoopAsync);
    }

    public static JobJournal Open(string path, TimeProvider timeProvider) => Open(path, timeProvider, JournalDurability.Strict);

    public static JobJournal Open(string path, TimeProvider timeProvider, JournalDurability durability)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {SynchronousMode(durability)}; -- measured into RTMR3 (journal.synchronous)
                PRAGMA foreign_keys = ON;
                CREATE TABLE IF NOT EXISTS jobs (
                    job_id BLOB PRIMARY KEY,
                    envelope_digest BLOB NOT NULL,
                    envelope BLOB NOT NULL,
                    state INTEGER NOT NULL,
                    created_ms INTEGER NOT NULL,
                    updated_ms INTEGER NOT NULL,
                    detail TEXT,
                    sealed_output BLOB,
                    receipt BLOB,
                    receipt_digest BLOB,
                    inclusion BLOB,
                    node_address BLOB,
                    access_hash BLOB
                );
                CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
                CREATE TABLE IF NOT EXISTS job_envelopes (
                    job_id BLOB PRIMARY KEY REFERENCES jobs(job_id) ON DELETE CASCADE,
                    envelope BLOB NOT NULL
                );
                """;
            command.ExecuteNonQuery();
        }

        AddColumnIfMissing(connection, "node_address");
        AddColumnIfMissing(connection, "access_hash");

        return new JobJournal(path, connectionString, timeProvider, connection, durability);
    }

    public string Path { get; }

    public JournalDurability Durability { get; }

    /// <summary>Transactions committed and writes they carried (group commit: writes per commit rises with load).</summary>
    public (long Commits, long Writes) CommitStatistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _writesCommitted));

    /// <summary>The SQLite <c>synchronous</c> mode of a durability level (<c>FULL</c> or <c>NORMAL</c>), as measured into RTMR3.</summary>
    public static string SynchronousMode(JournalDurability durability) => durability switch
    {
        JournalDurability.Strict => "FULL",
        JournalDurability.Process => "NORMAL",
        _ => throw new ArgumentOutOfRangeException(nameof(durability), durability, "unknown journal durability"),
    };

    // Journals written before the node identity and access token were recorded gain the columns (NULL: refused by both checks).
    private static void AddColumnIfMissing(SqliteConnection connection, string column)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info('jobs') WHERE name = $name";
        probe.Parameters.AddWithValue("$name", column);
        if (Convert.ToInt64(probe.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var alter = connection.CreateCommand();
            alter.CommandText = $"ALTER TABLE jobs ADD COLUMN {column} BLOB";
            alter.ExecuteNonQuery();
        }
    }

    private long NowMs => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Adds a job accepted by the node identity <paramref name="nodeAddress"/>; the same id again is a duplicate or a conflict.
    /// Returns once the job is committed (at <see cref="JournalDurability.Strict"/>: fsynced).
    /// </summary>
    public Task<SubmitOutcome> TryAddAsync(byte[] jobId, byte[] envelope, byte[] envelopeDigest, byte[] nodeAddress, byte[] accessTokenHash, CancellationToken cancellationToken)
    {
        var now = NowMs;
        return WriteAsync(connection =>
        {
            var select = WriterCommand(connection, "SELECT envelope_digest, state FROM jobs WHERE job_id = $id");
            select.Parameters.AddWithValue("$id", jobId);
            using (var reader = select.ExecuteReader())
            {
                if (reader.Read())
                {
                    var existing = (byte[])reader[0];
                    var state = (JobState)reader.GetInt32(1);
                    return existing.AsSpan().SequenceEqual(envelopeDigest)
                        ? new SubmitOutcome(SubmitDisposition.Duplicate, state)
                        : new SubmitOutcome(SubmitDisposition.Conflict, state);
                }
            }

            // jobs.envelope stays empty (kept for journals written before envelopes had their own table).
            var insert = WriterCommand(connection, """
                INSERT INTO jobs (job_id, envelope_digest, envelope, state, created_ms, updated_ms, node_address, access_hash)
                VALUES ($id, $digest, X'', $state, $now, $now, $node, $access);
                INSERT INTO job_envelopes (job_id, envelope) VALUES ($id, $envelope);
                """);
            insert.Parameters.AddWithValue("$node", nodeAddress);
            insert.Parameters.AddWithValue("$access", accessTokenHash);
            insert.Parameters.AddWithValue("$id", jobId);
            insert.Parameters.AddWithValue("$digest", envelopeDigest);
            insert.Parameters.AddWithValue("$envelope", envelope);
            insert.Parameters.AddWithValue("$state", (int)JobState.Queued);
            insert.Parameters.AddWithValue("$now", now);
            insert.ExecuteNonQuery();

            return new SubmitOutcome(SubmitDisposition.Added, JobState.Queued);
        }, cancellationToken);
    }

    /// <summary>Removes a job that was journaled but could not be queued (queue full), so the submitter may retry.</summary>
    public Task RemoveQueuedAsync(byte[] jobId, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM jobs WHERE job_id = $id AND state = 1", cancellationToken, ("$id", jobId));

    /// <summary>The job's row, without its envelope (<see cref="GetEnvelopeAsync"/>).</summary>
    public Task<JobRecord?> GetAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Three lookups per job (SubmitJob, GetResult twice): a pooled connection with the statement prepared once, not a
        // connection opened and the SQL parsed per call. Microsoft.Data.Sqlite reads synchronously whatever the API.
        var lookup = _lookups.TryTake(out var pooled) ? pooled : new RecordLookup(_connectionString);
        try
        {
            return Task.FromResult(lookup.Read(jobId));
        }
        finally
        {
            if (_disposed || _lookups.Count >= MaxPooledLookups)
            {
                lookup.Dispose();
            }
            else
            {
                _lookups.Add(lookup);
            }
        }
    }

    // Microsoft.Data.Sqlite reads synchronously whatever the API; one call per column is enough.
    private static JobRecord ReadRecord(SqliteDataReader reader) => new(
        (byte[])reader[0],
        (byte[])reader[1],
        (JobState)reader.GetInt32(2),
        reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : (byte[])reader[5],
        reader.IsDBNull(6) ? null : (byte[])reader[6],
        reader.IsDBNull(7) ? null : (byte[])reader[7],
        reader.IsDBNull(8) ? null : (byte[])reader[8],
        reader.IsDBNull(9) ? null : (byte[])reader[9],
        reader.IsDBNull(10) ? null : (byte[])reader[10]);

    /// <summary>The sealed envelope of a job that has not ended (null once it ended: the envelope is deleted then).</summary>
    public async Task<byte[]?> GetEnvelopeAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT envelope FROM job_envelopes WHERE job_id = $id
            UNION ALL SELECT envelope FROM jobs WHERE job_id = $id AND length(envelope) > 0 AND state IN (1, 2)
            LIMIT 1
            """;
        command.Parameters.AddWithValue("$id", jobId);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>
    /// Marks a job RUNNING. Not waited for by the runner: a job that is QUEUED or RUNNING when the process stops re-runs
    /// alike, so this write needs no acknowledgement; it is committed in order with the job's later writes.
    /// </summary>
    public Task MarkRunningAsync(byte[] jobId, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE jobs SET state = $state, updated_ms = $now WHERE job_id = $id AND state IN (1, 2)", cancellationToken,
            ("$id", jobId), ("$state", (int)JobState.Running), ("$now", NowMs));

    public Task CompleteAsync(byte[] jobId, byte[] sealedOutput, byte[] receipt, byte[] receiptDigest, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            UPDATE jobs SET state = $state, updated_ms = $now, sealed_output = $out, receipt = $receipt, receipt_digest = $digest, detail = NULL, envelope = X''
            WHERE job_id = $id;
            DELETE FROM job_envelopes WHERE job_id = $id;
            """,
            cancellationToken,
            ("$id", jobId), ("$state", (int)JobState.Succeeded), ("$now", NowMs), ("$out", sealedOutput), ("$receipt", receipt), ("$digest", receiptDigest));

    /// <summary>
    /// Marks a job FAILED with a public <paramref name="detail"/> (a reason that names nothing from inside the job) and, when the
    /// job could be opened, the detailed failure sealed to the submitter (<paramref name="sealedOutput"/>).
    /// </summary>
    public Task FailAsync(byte[] jobId, string detail, CancellationToken cancellationToken, byte[]? sealedOutput = null) =>
        ExecuteAsync(
            """
            UPDATE jobs SET state = $state, updated_ms = $now, detail = $detail, sealed_output = $out, envelope = X'' WHERE job_id = $id;
            DELETE FROM job_envelopes WHERE job_id = $id;
            """,
            cancellationToken,
            ("$id", jobId), ("$state", (int)JobState.Failed), ("$now", NowMs), ("$detail", detail), ("$out", (object?)sealedOutput ?? DBNull.Value));

    public Task SetInclusionAsync(byte[] jobId, byte[] inclusion, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE jobs SET inclusion = $inclusion WHERE job_id = $id", cancellationToken, ("$id", jobId), ("$inclusion", inclusion));

    /// <summary>Jobs accepted but not finished (queued, or running when the process stopped), oldest first.</summary>
    public async Task<IReadOnlyList<byte[]>> GetUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT job_id FROM jobs WHERE state IN (1, 2) ORDER BY created_ms, rowid";
        var result = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((byte[])reader[0]);
        }

        return result;
    }

    /// <summary>Finished jobs whose receipt is not yet in a posted batch, oldest first, with their completion time.</summary>
    public async Task<IReadOnlyList<(byte[] JobId, byte[] ReceiptDigest, long FinishedAtUnixMs)>> GetUnbatchedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT job_id, receipt_digest, updated_ms FROM jobs WHERE state = 3 AND inclusion IS NULL AND receipt_digest IS NOT NULL ORDER BY updated_ms, rowid";
        var result = new List<(byte[], byte[], long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(((byte[])reader[0], (byte[])reader[1], reader.GetInt64(2)));
        }

        return result;
    }

    /// <summary>
    /// Journal retention (<see cref="JournalRetention"/>): deletes finished jobs last updated before <paramref name="cutoff"/>: failed
    /// ones, and succeeded ones whose receipt is in a posted batch (or every succeeded one when <paramref name="requireInclusion"/>
    /// is false: a node without a chain posts nothing). A succeeded job still waiting for its batch is kept. Also empties the envelope
    /// of any finished job that still holds one (rows finished before the envelope was dropped at completion). Returns the rows deleted.
    /// </summary>
    public Task<int> DeleteFinishedAsync(DateTimeOffset cutoff, bool requireInclusion, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            // Through the writer (one connection, no busy waits); job_envelopes rows go with their job (ON DELETE CASCADE).
            int deleted;
            using (var delete = connection.CreateCommand())
            {
                delete.CommandText = "DELETE FROM jobs WHERE updated_ms < $cutoff AND (state = 4 OR (state = 3 AND (inclusion IS NOT NULL OR $any = 1)))";
                delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                delete.Parameters.AddWithValue("$any", requireInclusion ? 0 : 1);
                deleted = delete.ExecuteNonQuery();
            }

            using (var drop = connection.CreateCommand())
            {
                drop.CommandText = """
                    UPDATE jobs SET envelope = X'' WHERE state IN (3, 4) AND length(envelope) > 0;
                    DELETE FROM job_envelopes WHERE job_id IN (SELECT job_id FROM jobs WHERE state IN (3, 4));
                    """;
                drop.ExecuteNonQuery();
            }

            return deleted;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _writes.Writer.TryComplete();
#pragma warning disable VSTHRD003 // the writer loop was started by this instance; waiting for it to commit what is queued
        await _writerLoop;
#pragma warning restore VSTHRD003
        while (_lookups.TryTake(out var lookup))
        {
            lookup.Dispose();
        }

        foreach (var command in _writerCommands.Values)
        {
            await command.DisposeAsync();
        }

        await _writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>A PRAGMA's value on the writer's connection (tests check the durability level).</summary>
    internal Task<long> ReadWriterPragmaAsync(string pragma) =>
        WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA " + pragma;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    /// <summary>Runs <paramref name="sql"/> through the writer (tests).</summary>
    internal Task ExecuteForTestAsync(string sql) => ExecuteAsync(sql, CancellationToken.None);

    /// <summary>
    /// One statement (or several, separated by ';') through the writer. The writer keeps one command per SQL text, so
    /// SQLite parses each statement once, not at every write (only the writer's loop runs these, one at a time).
    /// </summary>
    private Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        WriteAsync(connection =>
        {
            var command = WriterCommand(connection, sql);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>The writer's command for <paramref name="sql"/>, parameters cleared, in the group's transaction (writer loop only).</summary>
    private SqliteCommand WriterCommand(SqliteConnection connection, string sql)
    {
        if (!_writerCommands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _writerCommands.Add(sql, command);
        }

        command.Transaction = _transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>
    /// Queues a write for the writer; completes once the transaction holding it is committed. Cancellation stops the wait,
    /// not the write (a queued write is committed either way, in order).
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken)
    {
        var op = new WriteOp(connection => write(connection));
        if (!_writes.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(JobJournal));
        }

        return (T)(await op.Done.Task.WaitAsync(cancellationToken))!;
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<WriteOp>(MaxGroup);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && reader.TryRead(out var op))
            {
                group.Add(op);
            }

            CommitGroup(group);
        }
    }

    // One transaction per group; each write in its own savepoint, so a failing write fails alone. The group is acknowledged
    // only after COMMIT returned (fsynced at synchronous = FULL).
    private void CommitGroup(List<WriteOp> group)
    {
        var results = new object?[group.Count];
        var errors = new Exception?[group.Count];
        try
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            _transaction = transaction;
            for (var i = 0; i < group.Count; i++)
            {
                transaction.Save("w");
                try
                {
                    results[i] = group[i].Write(_writer);
                    transaction.Release("w");
                }
                catch (Exception ex)
                {
                    transaction.Rollback("w");
                    transaction.Release("w");
                    errors[i] = ex;
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            _transaction = null;
            foreach (var op in group)
            {
                op.Done.TrySetException(ex);
            }

            return;
        }

        _transaction = null;
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writesCommitted, group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            if (errors[i] is { } error)
            {
                group[i].Done.TrySetException(error);
            }
            else
            {
                group[i].Done.TrySetResult(results[i]);
            }
        }
    }

    /// <summary>A read connection with the job-row lookup prepared once (used by one caller at a time).</summary>
    private sealed class RecordLookup : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;
        private readonly SqliteParameter _id;

        public RecordLookup(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            _command = _connection.CreateCommand();
            _command.CommandText = """
                SELECT job_id, envelope_digest, state, updated_ms, detail, sealed_output, receipt, receipt_digest, inclusion, node_address, access_hash
                FROM jobs WHERE job_id = $id
                """;
            _id = _command.Parameters.Add("$id", SqliteType.Blob);
            _command.Prepare();
        }

        public JobRecord? Read(byte[] jobId)
        {
            _id.Value = jobId;
            using var reader = _command.ExecuteReader();
            return reader.Read() ? ReadRecord(reader) : null;
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }

    private sealed class WriteOp(Func<SqliteConnection, object?> write)
    {
        public Func<SqliteConnection, object?> Write { get; } = write;

        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
