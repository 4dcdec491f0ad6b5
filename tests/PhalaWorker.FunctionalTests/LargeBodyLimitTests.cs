extern alias agent;

using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Protocol.Wire;
using PhalaWorker.Testing;
using LargeBodyGate = agent::PhalaWorker.Agent.Limits.LargeBodyGate;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// At most <c>Agent:Limits:MaxLargeBodies</c> large SubmitJob/UploadModel bodies are held at once (issue 11: memory after
/// large messages): with one slot taken by a body that is still arriving, a second large body is refused INTAKE_BUSY
/// after the wait, while small calls go on; once the slot is free a large body is read and answered again.
/// </summary>
public sealed class LargeBodyLimitTests() : InProcessAgentTests("large-bodies", new Dictionary<string, string?>
{
    ["Agent:Limits:RateLimitsEnabled"] = "false",
    ["Agent:Limits:MaxLargeBodies"] = "1",
    ["Agent:Limits:LargeBodyBytes"] = "65536",
    ["Agent:Limits:LargeBodyWait"] = "00:00:00.500",
})
{
    private const int FrameLength = 1 << 20;

    [Test]
    public async Task SubmitJob_LargeBodiesOverTheLimit_SecondRefusedIntakeBusyUntilTheFirstEndsAsync()
    {
        var gate = Factory.Services.GetRequiredService<LargeBodyGate>();
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } });
        var release = new TaskCompletionSource();

        // Arrange: a large body that stops half-way (its sender waits): it holds the one slot.
        var held = SendAsync(http, new FrameContent(FrameLength, stopAfter: FrameLength / 2, release.Task));
        await WaitUntilAsync(() => gate.InUse == 1);

        // Act
        using var refused = await SendAsync(http, new FrameContent(FrameLength, stopAfter: null, Task.CompletedTask)).DefaultTimeout();
        var small = await Client.GetAttestationAsync(new byte[32]).DefaultTimeout();
        release.SetResult();
        using var first = await held.DefaultTimeout();
        await WaitUntilAsync(() => gate.InUse == 0);
        using var after = await SendAsync(http, new FrameContent(FrameLength, stopAfter: null, Task.CompletedTask)).DefaultTimeout();

        // Assert
        Assert.That(Header(refused, ReasonCodes.Trailer), Is.EqualTo(ReasonCodes.IntakeBusy));
        Assert.That(Header(refused, "grpc-status"), Is.EqualTo("8"), "RESOURCE_EXHAUSTED");
        Assert.That(small.Quote.IsEmpty, Is.False, "small calls do not wait for a large-message slot");
        foreach (var answered in new[] { first, after })
        {
            // Zero bytes are no protobuf message (tag 0): read whole, then refused by the parser, not by the gate.
            Assert.That(Header(answered, ReasonCodes.Trailer), Is.EqualTo(ReasonCodes.MalformedProtobuf));
        }

        Assert.That(gate.InUse, Is.Zero);
    }

    private Task<HttpResponseMessage> SendAsync(HttpClient http, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Factory.Endpoint, "/phala.worker.v1.Jobs/SubmitJob"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return http.SendAsync(request, TaskTimeoutExtensions.DefaultTimeoutToken());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var token = TaskTimeoutExtensions.DefaultTimeoutToken();
        while (!condition())
        {
            await Task.Delay(20, token);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    /// <summary>One gRPC frame of <c>length</c> zero bytes; optionally it stops after <c>stopAfter</c> bytes until <c>resume</c> completes.</summary>
#pragma warning disable VSTHRD003 // the resume task is the test's own TaskCompletionSource
    private sealed class FrameContent : HttpContent
    {
        private readonly int _length;
        private readonly int? _stopAfter;
        private readonly Task _resume;

        public FrameContent(int length, int? stopAfter, Task resume)
        {
            _length = length;
            _stopAfter = stopAfter;
            _resume = resume;
            Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var header = new byte[5];
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), _length);
            await stream.WriteAsync(header);
            var chunk = new byte[16 * 1024];
            for (var written = 0; written < _length; written += chunk.Length)
            {
                if (_stopAfter is { } stop && written == stop)
                {
                    await stream.FlushAsync();
                    await _resume.WaitAsync(TaskTimeoutExtensions.DefaultTimeoutToken());
                }

                await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, _length - written)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
#pragma warning restore VSTHRD003
