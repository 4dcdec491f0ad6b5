using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Gives a reason to the statuses grpc-dotnet answers by itself while it reads a request, before any handler or
/// interceptor of ours runs: a body that ends inside a message frame, a compressed frame without (or with an unknown)
/// <c>grpc-encoding</c> (<c>INTERNAL</c>/<c>UNIMPLEMENTED</c>, no reason), and a message over the size limit
/// (<c>RESOURCE_EXHAUSTED</c>, no reason). The first become <c>INVALID_ARGUMENT</c> + <c>MALFORMED_FRAME</c> (the
/// caller's fault, not the node's), the last <c>RESOURCE_EXHAUSTED</c> + <c>MESSAGE_TOO_LARGE</c>. It runs after the call
/// and rewrites only a status that carries no reason and no exception (grpc-dotnet's own refusals are plain
/// <see cref="RpcException"/>s; a bug in a handler keeps its <c>UNKNOWN</c> and its Error log line).
/// </summary>
internal sealed class GrpcFramingRefusals(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Get<IServerCallContextFeature>()?.ServerCallContext is not { } call)
        {
            return;
        }

        var status = call.Status;
        if (status.DebugException is not null || Classify(status.StatusCode) is not { } refusal)
        {
            return;
        }

        // Trailers-only (nothing was sent yet): grpc-dotnet put the status in the headers; otherwise in the trailers.
        var destination = context.Response.HasStarted ? context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers : context.Response.Headers;
        if (destination is null || destination.IsReadOnly || destination.ContainsKey(ReasonCodes.Trailer))
        {
            return;
        }

        destination[ReasonCodes.Trailer] = refusal.Code;
        destination["grpc-status"] = ((int)refusal.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // ASCII without '%': valid as a grpc-message without percent-encoding.
        destination["grpc-message"] = ReasonCodes.Format(refusal.Code, refusal.Meaning);
    }

    /// <summary>The refusal a reason-less framework status becomes, or null to leave it alone.</summary>
    internal static Refusal? Classify(StatusCode code) => code switch
    {
        StatusCode.Internal or StatusCode.Unimplemented => ReasonCodes.FindRefusal(ReasonCodes.MalformedFrame),
        StatusCode.ResourceExhausted => ReasonCodes.FindRefusal(ReasonCodes.MessageTooLarge),
        _ => null,
    };
}
