using Microsoft.Data.Sqlite;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// The durable record of every job (SQLite, WAL). Holds only what may leave the TD: the sealed envelope,
/// the sealed output, the signed receipt and its inclusion proof, the address of the node identity that accepted the job,
/// the hash of the job's access token, and failure reasons that name no tensor, shape or operator — never plaintext.
/// Queued and running jobs are re-queued at start, so a crash loses no accepted job.
/// </summary>
internal sealed class JobJournal : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;
    private readonly SqliteConnection _keepAlive;

    private JobJournal(string path, string connectionString, TimeProvider timeProvider, SqliteConnection keepAlive)
    {
        Path = path;
        _connectionString = connectionString;
        _timeProvider = timeProvider;
        _keepAlive = keepAlive;
    }

    public static JobJournal Open(string path, TimeProvider timeProvider)
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
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL; -- MeasuredSettings.DefaultJournalSynchronous (measured into RTMR3)
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
                """;
            command.ExecuteNonQuery();
        }

        AddColumnIfMissing(connection, "node_address");
        AddColumnIfMissing(connection, "access_hash");

        return new JobJournal(path, connectionString, timeProvider, connection);
    }

    public string Path { get; }

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

    /// <summary>Adds a job accepted by the node identity <paramref name="nodeAddress"/>; the same id again is a duplicate or a conflict.</summary>
    public async Task<SubmitOutcome> TryAddAsync(byte[] jobId, byte[] envelope, byte[] envelopeDigest, byte[] nodeAddress, byte[] accessTokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT envelope_digest, state FROM jobs WHERE job_id = $id";
            select.Parameters.AddWithValue("$id", jobId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var existing = (byte[])reader[0];
                var state = (JobState)reader.GetInt32(1);
                return existing.AsSpan().SequenceEqual(envelopeDigest)
                    ? new SubmitOutcome(SubmitDisposition.Duplicate, state)
                    : new SubmitOutcome(SubmitDisposition.Conflict, state);
            }
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO jobs (job_id, envelope_digest, envelope, state, created_ms, updated_ms, node_address, access_hash)
                VALUES ($id, $digest, $envelope, $state, $now, $now, $node, $access)
                """;
            insert.Parameters.AddWithValue("$node", nodeAddress);
            insert.Parameters.AddWithValue("$access", accessTokenHash);
            insert.Parameters.AddWithValue("$id", jobId);
            insert.Parameters.AddWithValue("$digest", envelopeDigest);
            insert.Parameters.AddWithValue("$envelope", envelope);
            insert.Parameters.AddWithValue("$state", (int)JobState.Queued);
            insert.Parameters.AddWithValue("$now", NowMs);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new SubmitOutcome(SubmitDisposition.Added, JobState.Queued);
    }

    /// <summary>Removes a job that was journaled but could not be queued (queue full), so the submitter may retry.</summary>
    public Task RemoveQueuedAsync(byte[] jobId, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM jobs WHERE job_id = $id AND state = 1", cancellationToken, ("$id", jobId));

    public async Task<JobRecord?> GetAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT job_id, envelope_digest, envelope, state, updated_ms, detail, sealed_output, receipt, receipt_digest, inclusion, node_address, access_hash
            FROM jobs WHERE job_id = $id
            """;
        command.Parameters.AddWithValue("$id", jobId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new JobRecord(
            (byte[])reader[0],
            (byte[])reader[1],
            (byte[])reader[2],
            (JobState)reader.GetInt32(3),
            reader.GetInt64(4),
            await reader.IsDBNullAsync(5, cancellationToken) ? null : reader.GetString(5),
            await reader.IsDBNullAsync(6, cancellationToken) ? null : (byte[])reader[6],
            await reader.IsDBNullAsync(7, cancellationToken) ? null : (byte[])reader[7],
            await reader.IsDBNullAsync(8, cancellationToken) ? null : (byte[])reader[8],
            await reader.IsDBNullAsync(9, cancellationToken) ? null : (byte[])reader[9],
            await reader.IsDBNullAsync(10, cancellationToken) ? null : (byte[])reader[10],
            await reader.IsDBNullAsync(11, cancellationToken) ? null : (byte[])reader[11]);
    }

    public Task MarkRunningAsync(byte[] jobId, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE jobs SET state = $state, updated_ms = $now WHERE job_id = $id", cancellationToken,
            ("$id", jobId), ("$state", (int)JobState.Running), ("$now", NowMs));

    public Task CompleteAsync(byte[] jobId, byte[] sealedOutput, byte[] receipt, byte[] receiptDigest, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            UPDATE jobs SET state = $state, updated_ms = $now, sealed_output = $out, receipt = $receipt, receipt_digest = $digest, detail = NULL,
                envelope = X''
            WHERE job_id = $id
            """,
            cancellationToken,
            ("$id", jobId), ("$state", (int)JobState.Succeeded), ("$now", NowMs), ("$out", sealedOutput), ("$receipt", receipt), ("$digest", receiptDigest));

    /// <summary>
    /// Marks a job FAILED with a public <paramref name="detail"/> (a reason that names nothing from inside the job) and, when the
    /// job could be opened, the detailed failure sealed to the submitter (<paramref name="sealedOutput"/>).
    /// </summary>
    public Task FailAsync(byte[] jobId, string detail, CancellationToken cancellationToken, byte[]? sealedOutput = null) =>
        ExecuteAsync("UPDATE jobs SET state = $state, updated_ms = $now, detail = $detail, sealed_output = $out, envelope = X'' WHERE job_id = $id", cancellationToken,
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
    public async Task<int> DeleteFinishedAsync(DateTimeOffset cutoff, bool requireInclusion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        int deleted;
        await using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM jobs WHERE updated_ms < $cutoff AND (state = 4 OR (state = 3 AND (inclusion IS NOT NULL OR $any = 1)))";
            delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            delete.Parameters.AddWithValue("$any", requireInclusion ? 0 : 1);
            deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "UPDATE jobs SET envelope = X'' WHERE state IN (3, 4) AND length(envelope) > 0";
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        return deleted;
    }

    public async ValueTask DisposeAsync()
    {
        await _keepAlive.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
