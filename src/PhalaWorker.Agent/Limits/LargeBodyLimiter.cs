using Grpc.Core;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// Bounds how many large SubmitJob/UploadModel bodies the node buffers at once (<see cref="LimitsOptions.MaxLargeBodies"/>):
/// gRPC reads a whole message into memory before any handler runs, so twenty 60 MiB calls would otherwise all be held at
/// the same time (issue 11: 2.8 GB resident). The request body is read through <see cref="GatedBody"/>, which after
/// <see cref="LimitsOptions.LargeBodyBytes"/> waits for a slot of the <see cref="LargeBodyGate"/> before it reads on; the
/// slot is held until the call has been answered (the message and what was opened from it are garbage by then). A body
/// that gets no slot in time is refused <c>RESOURCE_EXHAUSTED</c> / <c>INTAKE_BUSY</c>.
/// </summary>
internal sealed class LargeBodyLimiter(RequestDelegate next, LargeBodyGate gate)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(RequestLimiter.RunJobsPath, StringComparison.Ordinal))
        {
            // Many jobs on one body: no message of it may be large (a large job goes through SubmitJob and the gate).
            context.Request.Body = new FrameBoundBody(context.Request.Body, gate.Options.LargeBodyBytes);
            await next(context);
            return;
        }

        if (!IsLargeBodyMethod(context.Request.Path))
        {
            await next(context);
            return;
        }

        var body = new GatedBody(context.Request.Body, gate);
        context.Request.Body = body;
        try
        {
            await next(context);
        }
        finally
        {
            body.ExitGate();
        }
    }

    /// <summary>The calls whose messages carry a model: the only ones the message limit lets grow large.</summary>
    internal static bool IsLargeBodyMethod(PathString path) =>
        path.Equals("/phala.worker.v1.Jobs/SubmitJob", StringComparison.Ordinal) || path.Equals("/phala.worker.v1.Jobs/UploadModel", StringComparison.Ordinal);

    /// <summary>A request body that takes a gate slot once more than <see cref="LimitsOptions.LargeBodyBytes"/> of it were read.</summary>
    private sealed class GatedBody(Stream inner, LargeBodyGate gate) : Stream
    {
        private long _read;
        private int _held;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= gate.Options.LargeBodyBytes && Volatile.Read(ref _held) == 0)
            {
                if (!await gate.TryEnterAsync(cancellationToken))
                {
                    throw RpcErrors.Create(StatusCode.ResourceExhausted, ReasonCodes.IntakeBusy,
                        $"every one of the node's {gate.Options.MaxLargeBodies} large-message slots stayed busy for {gate.Options.LargeBodyWait.TotalSeconds:0.###} s (Agent:Limits:MaxLargeBodies); retry later");
                }

                Volatile.Write(ref _held, 1);
            }

            var read = await inner.ReadAsync(buffer, cancellationToken);
            _read += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the request body is read asynchronously");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>Frees the slot, once, when the call is over.</summary>
        public void ExitGate()
        {
            if (Interlocked.Exchange(ref _held, 0) == 1)
            {
                gate.Exit();
            }
        }
    }

    /// <summary>
    /// A request body of gRPC messages (each a 5-byte header, flag and big-endian length, then the message) that refuses a
    /// message declared longer than <paramref name="maxMessage"/> when its header is read, before grpc-dotnet buffers it.
    /// </summary>
    internal sealed class FrameBoundBody(Stream inner, int maxMessage) : Stream
    {
        private readonly byte[] _header = new byte[5];
        private int _headerRead;
        private long _messageLeft;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Scan(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Scan(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (_messageLeft > 0)
                {
                    var skip = (int)Math.Min(_messageLeft, data.Length);
                    _messageLeft -= skip;
                    data = data[skip..];
                    continue;
                }

                var take = Math.Min(_header.Length - _headerRead, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerRead));
                _headerRead += take;
                data = data[take..];
                if (_headerRead < _header.Length)
                {
                    return;
                }

                _headerRead = 0;
                _messageLeft = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
                if (_messageLeft > maxMessage)
                {
                    throw RpcErrors.Create(StatusCode.ResourceExhausted, ReasonCodes.MessageTooLarge,
                        $"a job on RunJobs is at most {maxMessage} bytes (Agent:Limits:LargeBodyBytes), this one is {_messageLeft}: reference an uploaded model (UploadModel), or submit a large job with SubmitJob");
                }
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the request body is read asynchronously");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
