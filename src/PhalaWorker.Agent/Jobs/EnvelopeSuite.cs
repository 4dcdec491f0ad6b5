using PhalaWorker.Agent.Grpc;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Jobs;

/// <summary>Checks a <see cref="SealedEnvelope"/>'s framing (<see cref="SealedEnvelopes"/>), refusing with its reason code.</summary>
internal static class EnvelopeSuite
{
    public static HpkeAead Validate(SealedEnvelope? envelope)
    {
        if (!SealedEnvelopes.TryGetAead(envelope, out var aead, out var reason, out var detail))
        {
            RpcErrors.InvalidArgument(reason, detail);
        }

        return aead;
    }
}
