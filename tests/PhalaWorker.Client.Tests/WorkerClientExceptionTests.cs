using Grpc.Core;

namespace PhalaWorker.Client.Tests;

public sealed class WorkerClientExceptionTests
{
    [TestCase(WorkerClientErrorReason.BindingMismatch, true)]
    [TestCase(WorkerClientErrorReason.ReceiptInvalid, true)]
    [TestCase(WorkerClientErrorReason.EmulatedNotAllowed, true)]
    [TestCase(WorkerClientErrorReason.GpuEvidenceRejected, true)]
    [TestCase(WorkerClientErrorReason.Unreachable, false)]
    [TestCase(WorkerClientErrorReason.Refused, false)]
    [TestCase(WorkerClientErrorReason.JobFailed, false)]
    public void IsVerificationFailure_ByReason(WorkerClientErrorReason reason, bool expected)
    {
        Assert.That(new WorkerClientException(reason, "x").IsVerificationFailure, Is.EqualTo(expected));
    }

    [Test]
    public void Translate_RefusalWithReasonTrailer_KeepsReason()
    {
        var rpc = new RpcException(new Status(StatusCode.AlreadyExists, "JOB_ID_IN_USE: taken"), new Metadata { { "phala-reason", "JOB_ID_IN_USE" } });

        var ex = WorkerClient.Translate(rpc);

        Assert.That(ex.Reason, Is.EqualTo(WorkerClientErrorReason.Refused));
        Assert.That(ex.RpcReason, Is.EqualTo("JOB_ID_IN_USE"));
        Assert.That(ex.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
    }

    [Test]
    public void Translate_UnavailableWithoutReason_IsUnreachable()
    {
        var ex = WorkerClient.Translate(new RpcException(new Status(StatusCode.Unavailable, "connection refused")));

        Assert.That(ex.Reason, Is.EqualTo(WorkerClientErrorReason.Unreachable));
    }
}
