using Grpc.Core;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Protocol.Wire;

/// <summary>
/// The one mapping between a refusal as a gRPC status (SubmitJob's error: status code, detail, <c>phala-reason</c> trailer)
/// and a refusal as a message (<see cref="JobRefusal"/> on RunJobs): the node writes it, the SDK reads it back into the same
/// status, so a job refused on RunJobs surfaces exactly as the same job refused by SubmitJob.
/// </summary>
public static class JobRefusals
{
    /// <summary>The message form of a refusal the node raised as <paramref name="exception"/>.</summary>
    public static JobRefusal FromStatus(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new JobRefusal
        {
            StatusCode = (int)exception.StatusCode,
            Reason = exception.Trailers.GetValue(ReasonCodes.Trailer) ?? "",
            Detail = exception.Status.Detail,
        };
    }

    /// <summary>The status form of <paramref name="refusal"/>, as SubmitJob would have ended with it.</summary>
    public static RpcException ToStatus(JobRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var code = Enum.IsDefined((StatusCode)refusal.StatusCode) && refusal.StatusCode != 0 ? (StatusCode)refusal.StatusCode : StatusCode.Unknown;
        var trailers = new Metadata();
        if (refusal.Reason.Length > 0)
        {
            trailers.Add(ReasonCodes.Trailer, refusal.Reason);
        }

        return new RpcException(new Status(code, refusal.Detail), trailers);
    }
}
