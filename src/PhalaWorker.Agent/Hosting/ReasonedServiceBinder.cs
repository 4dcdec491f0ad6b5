using Google.Protobuf;
using Grpc.Core;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Binds a generated gRPC service with request deserializers that refuse a message that does not parse as
/// <c>INVALID_ARGUMENT</c> with the <c>MALFORMED_PROTOBUF</c> reason. grpc-dotnet deserializes the request before any
/// interceptor runs, so without this a garbled body surfaces as an exception outside the status mapping: <c>UNKNOWN</c>
/// with no reason, logged at Error with a stack trace for each call (anyone could flood the log). An
/// <see cref="RpcException"/> thrown by the deserializer is answered with its status and trailers and logged by
/// grpc-dotnet at Information (category <c>Grpc</c>, Warning by default: not at all).
/// A service opts in with <c>[BindServiceMethod(typeof(ReasonedServiceBinder), nameof(BindJobs))]</c>.
/// </summary>
internal sealed class ReasonedServiceBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    /// <summary>Bind method for <c>Jobs</c> (the parameter type is the generated base: grpc-dotnet resolves handlers against it).</summary>
    public static void BindJobs(ServiceBinderBase binder, Protocol.V1.Jobs.JobsBase service) =>
        Protocol.V1.Jobs.BindService(new ReasonedServiceBinder(binder), service);

    /// <summary>Bind method for <c>Attestation</c>.</summary>
    public static void BindAttestation(ServiceBinderBase binder, Protocol.V1.Attestation.AttestationBase service) =>
        Protocol.V1.Attestation.BindService(new ReasonedServiceBinder(binder), service);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => inner.AddMethod(Wrap(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => inner.AddMethod(Wrap(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => inner.AddMethod(Wrap(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => inner.AddMethod(Wrap(method), handler);

    /// <summary>The same method with a request marshaller whose parse failures are refusals with a reason.</summary>
    internal static Method<TRequest, TResponse> Wrap<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var marshaller = method.RequestMarshaller;
        var deserialize = marshaller.ContextualDeserializer;
        var refusing = Marshallers.Create(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException)
            {
                // Nothing of the body goes into the detail or the log: it may be (part of) a job.
                throw RpcErrors.Create(StatusCode.InvalidArgument, ReasonCodes.MalformedProtobuf, $"the {typeof(TRequest).Name} does not parse as protobuf");
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, refusing, method.ResponseMarshaller);
    }
}
