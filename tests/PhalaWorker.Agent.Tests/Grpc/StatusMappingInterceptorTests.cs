using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Grpc;

namespace PhalaWorker.Agent.Tests.Grpc;

public sealed class StatusMappingInterceptorTests
{
    [Test]
    public void Classify_MalformedProtobuf_IsInvalidArgumentWithReason()
    {
        var malformed = Assert.Throws<InvalidProtocolBufferException>(() => PhalaWorker.Protocol.V1.JobRequest.Parser.ParseFrom([0x0a, 0xff]));
        var mapped = StatusMappingInterceptor.Classify(malformed!, CancellationToken.None);

        Assert.That(mapped!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(mapped.Trailers.GetValue(RpcErrors.ReasonTrailer), Is.EqualTo("MALFORMED_PROTOBUF"));
        Assert.That(mapped.Status.Detail, Does.StartWith("MALFORMED_PROTOBUF: "));
    }

    [Test]
    public void Classify_UnknownException_IsNull()
    {
        Assert.That(StatusMappingInterceptor.Classify(new InvalidOperationException("bug"), CancellationToken.None), Is.Null);
    }

    [Test]
    public void Classify_RpcException_PassesThrough()
    {
        var original = RpcErrors.Create(StatusCode.NotFound, "JOB_NOT_FOUND", "no such job");

        Assert.That(StatusMappingInterceptor.Classify(original, CancellationToken.None), Is.SameAs(original));
    }

    [TestCase("DecryptionFailed", "DECRYPTION_FAILED")]
    [TestCase("LimitExceeded", "LIMIT_EXCEEDED")]
    [TestCase("InvalidModel", "INVALID_MODEL")]
    public void ScreamingCase_PascalCase_IsUpperSnake(string input, string expected)
    {
        Assert.That(StatusMappingInterceptor.ScreamingCase(input), Is.EqualTo(expected));
    }
}
