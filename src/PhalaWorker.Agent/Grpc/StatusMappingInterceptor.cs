using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Compute;
using PhalaWorker.Crypto;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// The one place domain failures become gRPC statuses (CONVENTIONS.md 17): each library's exception, by reason,
/// maps to InvalidArgument, FailedPrecondition, NotFound, Unavailable or ResourceExhausted with a stable reason.
/// Anything unexpected is logged as an Error and answered INTERNAL without details (unless EnableDetailedErrors).
/// </summary>
internal sealed class StatusMappingInterceptor(ILogger<StatusMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Maps a domain exception to an <see cref="RpcException"/>; null lets it through unchanged.</summary>
    internal RpcException? Map(Exception exception, ServerCallContext context) => Map(exception, context, logger);

    /// <summary>
    /// The same mapping for one job's refusal inside a RunJobs call (answered as a message, the call goes on); a bug becomes
    /// INTERNAL without details or reason, logged as an Error with its stack, as a unary call's would be.
    /// </summary>
    internal static RpcException MapForMessage(Exception exception, ServerCallContext context, ILogger logger) =>
        Map(exception, context, logger) ?? new RpcException(new Status(StatusCode.Internal, "the node failed to accept the job"));

    private static RpcException? Map(Exception exception, ServerCallContext context, ILogger logger)
    {
        var mapped = Classify(exception, context.CancellationToken);
        if (mapped is null)
        {
            AgentLog.RpcFailed(logger, context.Method, exception.GetType().FullName ?? "Exception", Environment.NewLine, exception.StackTrace);
            return null;
        }

        var reason = mapped.Trailers.GetValue(RpcErrors.ReasonTrailer) ?? "";
        AgentLog.RpcRefused(logger, context.Method, mapped.StatusCode.ToString(), reason, mapped.Status.Detail);
        AgentTelemetry.RpcRefusals.Add(1, new KeyValuePair<string, object?>("code", mapped.StatusCode.ToString()));
        return mapped;
    }

    internal static RpcException? Classify(Exception exception, CancellationToken callCancelled) => exception switch
    {
        RpcException rpc => rpc,
        OperationCanceledException when callCancelled.IsCancellationRequested =>
            RpcErrors.Create(StatusCode.Cancelled, ReasonCodes.Cancelled, "the call was cancelled"),
        InvalidProtocolBufferException ex =>
            RpcErrors.Create(StatusCode.InvalidArgument, ReasonCodes.MalformedProtobuf, ex.Message),
        CryptoException ex =>
            RpcErrors.Create(StatusCode.InvalidArgument, ReasonCodes.EnvelopePrefix + ScreamingCase(ex.Reason.ToString()), ex.Message),
        // A model's failure text names its operators, tensors and shapes: what is inside the encrypted job. The refusal
        // carries the reason only (the submitter reproduces the detail locally with `phala-worker onnx run`).
        ComputeException ex => ex.Reason switch
        {
            ComputeErrorReason.LimitExceeded => RpcErrors.Create(StatusCode.ResourceExhausted, ReasonCodes.ModelLimitExceeded, ModelRefused),
            _ => RpcErrors.Create(StatusCode.InvalidArgument, ReasonCodes.ModelPrefix + ScreamingCase(ex.Reason.ToString()), ModelRefused),
        },
        QuoteFormatException ex =>
            RpcErrors.Create(StatusCode.FailedPrecondition, ReasonCodes.QuoteFormat, ex.Message),
        JsonRpcException ex =>
            RpcErrors.Create(StatusCode.Unavailable, ReasonCodes.ChainUnavailable, ex.Message),
        _ => null,
    };

    /// <summary>The detail of every model refusal: what is wrong stays inside the TD.</summary>
    internal const string ModelRefused = "the model was refused (details withheld: they would describe the encrypted job)";

    /// <summary><c>DecryptionFailed</c> → <c>DECRYPTION_FAILED</c>.</summary>
    internal static string ScreamingCase(string pascal)
    {
        var builder = new System.Text.StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(pascal[i]));
        }

        return builder.ToString();
    }
}
