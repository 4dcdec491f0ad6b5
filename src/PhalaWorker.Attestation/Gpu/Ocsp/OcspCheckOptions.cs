namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>How OCSP responses are judged.</summary>
public sealed record OcspCheckOptions
{
    /// <summary>The verification time: thisUpdate ≤ at ≤ nextUpdate (+ grace), responder certificate valid at it.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>How long after nextUpdate a response is still accepted (NVIDIA's verifier calls it the OCSP validity extension).</summary>
    /// <value>Default zero: nextUpdate is a hard limit.</value>
    public TimeSpan GracePeriod { get; init; }

    /// <summary>Reject responses whose thisUpdate is older than this at <see cref="At"/>.</summary>
    /// <value>Default null: only the response's own window applies.</value>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>When set, each response must carry this nonce (id-pkix-ocsp-nonce).</summary>
    /// <value>Default null: NVIDIA's cached responses carry no nonce.</value>
    public byte[]? Nonce { get; init; }
}
