using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// Metadata privacy against the in-process agent: receipt hashes salted with the job secret, results and job events
/// readable only with the job's access token, and nothing from inside an encrypted job in logs, journal or error details.
/// </summary>
public sealed class PrivacyTests() : InProcessAgentTests("privacy")
{
    private const string SecretName = "secret_patient_name";


    [Test]
    public async Task Receipt_Hashes_SaltedWithTheJobSecretAsync()
    {
        var submitter = new JobSubmitter(Client);

        var first = await submitter.RunAsync(Node, TinyMlp.Spec()).DefaultTimeout();
        var second = await submitter.RunAsync(Node, TinyMlp.Spec()).DefaultTimeout();

        var salt = JobSecrets.ReceiptSalt(first.JobSecret);
        Assert.That(first.Receipt.Data.ModelHash, Is.EqualTo(JobReceiptHashes.Model(salt.AsSpan(), TinyMlp.Model)), "agent and SDK share one definition");
        Assert.That(first.Receipt.Data.ModelHash, Is.Not.EqualTo(Keccak256.Hash(TinyMlp.Model)), "a guessed model cannot be confirmed from the receipt");
        Assert.That(first.Receipt.Data.ModelHash, Is.Not.EqualTo(second.Receipt.Data.ModelHash));
        Assert.That(first.Receipt.Data.InputHash, Is.Not.EqualTo(second.Receipt.Data.InputHash), "the same input hashes differently per job");
    }

    [Test]
    public async Task GetResultAndWatchJob_AnotherClient_RefusedAsync()
    {
        var outcome = await new JobSubmitter(Client).RunAsync(Node, TinyMlp.Spec()).DefaultTimeout();
        using var other = Factory.CreateWorkerClient();
        var wrongToken = RandomNumberGenerator.GetBytes(32);

        var missing = Assert.ThrowsAsync<WorkerClientException>(() => other.GetResultAsync(outcome.JobId, ReadOnlyMemory<byte>.Empty).DefaultTimeout());
        var wrong = Assert.ThrowsAsync<WorkerClientException>(() => other.GetResultAsync(outcome.JobId, wrongToken).DefaultTimeout());
        var watch = Assert.ThrowsAsync<WorkerClientException>(async () =>
        {
            await foreach (var _ in other.WatchJobAsync(outcome.JobId, wrongToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
            }
        });
        var owner = await Client.GetResultAsync(outcome.JobId, JobSecrets.AccessToken(outcome.JobSecret)).DefaultTimeout();

        Assert.That(missing!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(missing.RpcReason, Is.EqualTo("ACCESS_TOKEN_MISSING"));
        Assert.That(wrong!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(wrong.RpcReason, Is.EqualTo("ACCESS_DENIED"));
        Assert.That(watch!.RpcReason, Is.EqualTo("ACCESS_DENIED"));
        Assert.That(owner.State, Is.EqualTo(JobState.Succeeded));
    }

    [Test]
    public async Task Job_InputNamedSecretPatientName_NameInNoLogJournalRowOrErrorDetailAsync()
    {
        using var directory = new TempDirectory("privacy-names");
        await using var factory = new AgentFactory(directory);
        using var client = factory.CreateWorkerClient();
        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        var details = new List<string>();

        // 1. The model has no such input: the job fails while running.
        using var resultKey = X25519KeyPair.Generate();
        var secret = RandomNumberGenerator.GetBytes(32);
        var token = JobSecrets.AccessToken(secret);
        var wrongName = Request(resultKey, secret, SecretName);
        var jobId = RandomNumberGenerator.GetBytes(32);
        await client.SubmitJobAsync(JobSubmitter.Seal(node, jobId, wrongName, new JobSpec(TinyMlp.Model, []))).DefaultTimeout();
        await foreach (var change in client.WatchJobAsync(jobId, token).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            details.Add(change.Detail);
        }

        var failed = await client.GetResultAsync(jobId, token).DefaultTimeout();
        details.Add(failed.Error);
        var sealedDetail = JobSubmitter.OpenOutput(failed.SealedOutput, resultKey, jobId, node).Error;

        // 2. The same name twice: refused at submission, by index.
        var duplicate = Request(resultKey, RandomNumberGenerator.GetBytes(32), SecretName, SecretName);
        var refused = Assert.ThrowsAsync<WorkerClientException>(() =>
            client.SubmitJobAsync(JobSubmitter.Seal(node, RandomNumberGenerator.GetBytes(32), duplicate, new JobSpec(TinyMlp.Model, []))).DefaultTimeout());
        details.Add(refused!.Message);

        // 3. Through the SDK: the submitter gets the detail from the sealed result.
        var sdk = Assert.ThrowsAsync<WorkerClientException>(() => new JobSubmitter(client).RunAsync(node, new JobSpec(TinyMlp.Model, [(SecretName, TinyMlp.Input)])).DefaultTimeout());

        Assert.That(failed.State, Is.EqualTo(JobState.Failed));
        Assert.That(failed.Error, Does.StartWith("MODEL_"));
        Assert.That(sealedDetail, Does.StartWith("MODEL_").And.Not.EqualTo(failed.Error), "the detail travels sealed to the submitter");
        Assert.That(refused.RpcReason, Is.EqualTo("INPUT_DUPLICATE"));
        Assert.That(refused.Message, Does.Contain("input #1"));
        Assert.That(sdk!.Reason, Is.EqualTo(WorkerClientErrorReason.JobFailed));
        Assert.That(sdk.Message, Does.Contain(sealedDetail[(sealedDetail.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()));
        Assert.That(details, Has.None.Contain(SecretName), "error details");
        var logs = factory.Logs.GetSnapshot()
            .Select(r => $"{r.Message} {r.Exception} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])}")
            .ToList();
        Assert.That(logs, Is.Not.Empty);
        Assert.That(logs, Has.None.Contain(SecretName), "log lines");
        Assert.That(JournalText(directory), Does.Not.Contain(SecretName), "journal rows");
    }

    private static JobRequest Request(X25519KeyPair resultKey, byte[] secret, params string[] inputNames)
    {
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(secret),
        };
        foreach (var name in inputNames)
        {
            request.Inputs.Add(new NamedTensor { Name = name, Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        }

        return request;
    }

    /// <summary>Every journal row (all columns, as text and raw bytes) and the raw database and WAL files.</summary>
    private static string JournalText(TempDirectory directory)
    {
        var text = new StringBuilder();
        using (var connection = new SqliteConnection($"Data Source={directory.File("journal.db")};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM jobs";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "" : reader.GetValue(i) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : reader.GetValue(i).ToString()).Append('\n');
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(directory.Path, "journal.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            text.Append(Encoding.Latin1.GetString(copy.ToArray()));
        }

        Assert.That(text.Length, Is.GreaterThan(0));
        return text.ToString();
    }
}
