using System.Security.Cryptography;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Emulation;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>
/// Checks every claim a node makes before anything is sent to it: the fresh nonce signature (the key bound in the quote
/// is live), the quote itself (DCAP under the caller's policy; emulated TEEs only when allowed), the report_data binding
/// of the node's signing and HPKE keys, the RTMR3 event log (required: it must replay to the quote's RTMR3), the node's
/// measurements against the accepted <see cref="MeasurementProfile"/>s (from <paramref name="measurements"/>, by default the
/// registry's on-chain allow-list when a <paramref name="registry"/> is given, and
/// <see cref="NodeVerifierOptions.AcceptedMeasurements"/>; none accepted refuses every node unless
/// <see cref="NodeVerifierOptions.TrustAnyMeasurement"/>), the node's fresh GPU evidence (required for a <c>cuda</c> node:
/// signed by the node key over <see cref="GpuEvidenceBinding.SignatureDigest"/>, requested with the derived nonce, verified under
/// <see cref="NodeVerifierOptions.GpuPolicy"/>), the RA-TLS transport (the key the endpoint presented is the one report_data
/// binds, then pinned; a node not measuring <c>tls.mode=ra-tls</c> is refused unless <see cref="NodeVerifierOptions.InsecureTransport"/>),
/// and the node's on-chain registration.
/// </summary>
public sealed class NodeVerifier(WorkerClient client, NodeVerifierOptions? options = null, RegistryReader? registry = null, IMeasurementProfileSource? measurements = null)
{
    public const int NonceLength = AttestationNonceSignature.NonceLength;

    private readonly NodeVerifierOptions _options = options ?? new NodeVerifierOptions();

    // The registry owner's allow-list is the default source of accepted measurements.
    private readonly IMeasurementProfileSource? _measurements = measurements ?? registry;

    /// <summary>Fetches the attestation with a fresh nonce and verifies it; throws <see cref="WorkerClientException"/> naming the failed check.</summary>
    public async Task<VerifiedNode> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var profiles = new List<MeasurementProfile>(_options.AcceptedMeasurements);
        if (_measurements is not null)
        {
            profiles.AddRange(await _measurements.GetMeasurementProfilesAsync(cancellationToken).ConfigureAwait(false));
        }

        // RA-TLS: a fresh connection pool records every key its handshakes present until the attested one is pinned.
        var pin = client.BeginVerification();
        var bundle = await client.GetAttestationAsync(nonce, cancellationToken).ConfigureAwait(false);
        var fetched = await FetchOwnCollateralAsync(bundle, cancellationToken).ConfigureAwait(false);
        var verified = VerifyBundle(bundle, nonce, profiles, fetched);
        verified = CheckTransport(verified, pin);
        if (registry is not null)
        {
            var record = await registry.GetNodeAsync(verified.Address, cancellationToken).ConfigureAwait(false);
            CheckRegistration(verified, record);
            verified = verified with { Registration = record };
        }
        else if (_options.RequireRegistration)
        {
            throw new WorkerClientException(WorkerClientErrorReason.RegistrationMismatch,
                "the on-chain registration was not checked: no registry reader given (pass one, or set RequireRegistration = false)");
        }

        return verified;
    }

    /// <summary>Verifies a bundle against the nonce that was sent (everything but the chain and the transport), with the options' accepted measurements.</summary>
    public VerifiedNode VerifyBundle(AttestationBundle bundle, ReadOnlySpan<byte> nonce) => VerifyBundle(bundle, nonce, _options.AcceptedMeasurements);

    /// <summary>Verifies a bundle against the nonce that was sent (everything but the chain and the transport), accepting <paramref name="profiles"/>.</summary>
    public VerifiedNode VerifyBundle(AttestationBundle bundle, ReadOnlySpan<byte> nonce, IReadOnlyList<MeasurementProfile> profiles) =>
        VerifyBundle(bundle, nonce, profiles, null);

    /// <summary>The collateral from <see cref="NodeVerifierOptions.CollateralFetcher"/>, when one is set and no collateral was given.</summary>
    private async Task<QuoteCollateral?> FetchOwnCollateralAsync(AttestationBundle bundle, CancellationToken cancellationToken)
    {
        if (_options.Collateral is not null || _options.CollateralFetcher is not { } fetcher || bundle.Quote.IsEmpty)
        {
            return null;
        }

        try
        {
            return await fetcher.GetCollateralAsync(bundle.Quote.Memory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AttestationException or HttpRequestException or FormatException or ArgumentException)
        {
            throw Fail(WorkerClientErrorReason.QuoteRejected, $"could not fetch collateral for the node's quote from the configured PCCS/PCS: {ex.Message}", ex);
        }
    }

    private VerifiedNode VerifyBundle(AttestationBundle bundle, ReadOnlySpan<byte> nonce, IReadOnlyList<MeasurementProfile> profiles, QuoteCollateral? fetchedCollateral)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(bundle);
        CheckShape(bundle);
        if (!bundle.Nonce.Span.SequenceEqual(nonce))
        {
            throw Fail(WorkerClientErrorReason.NonceSignatureInvalid, "the node did not echo our nonce");
        }

        var address = new EthAddress(bundle.NodeAddress.Span);
        var quote = bundle.Quote.ToByteArray();
        var quoteHash = Keccak256.Hash(quote);
        var digest = AttestationNonceSignature.Hash(nonce, quoteHash);
        if (!Secp256k1.TryRecover(digest.AsSpan(), EthSignature.FromBytes65(bundle.NonceSignature.Span), out var signer) || signer != address)
        {
            throw Fail(WorkerClientErrorReason.NonceSignatureInvalid, $"the nonce signature does not recover to the node address {address}");
        }

        TdxQuote parsed;
        try
        {
            parsed = QuoteParser.Parse(quote);
        }
        catch (QuoteFormatException ex)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation, $"the quote does not parse: {ex.Message}", ex);
        }

        // report_data binds the GPU evidence by its digest; the evidence the node hands out must be what was bound.
        if (!CryptographicOperations.FixedTimeEquals(GpuEvidence.ComputeDigest(bundle.GpuEvidence.Span), GpuDigestOrZero(bundle)))
        {
            throw Fail(WorkerClientErrorReason.BindingMismatch, "the GPU evidence does not hash to the gpu_evidence_digest bound in report_data");
        }

        var expected = ReportDataBinding.Compute(bundle.NodeAddress.Span, bundle.HpkePublicKey.Span, bundle.GpuEvidenceDigest.Span, bundle.TlsSpkiSha256.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected, parsed.Body.ReportData))
        {
            throw Fail(WorkerClientErrorReason.BindingMismatch,
                $"the quote's report_data is not the binding of the node address, HPKE key, GPU evidence digest and RA-TLS key (report-data v{ReportDataBinding.Version})");
        }

        if (bundle.TeeType == TeeType.EmulatedTdx && !_options.AllowEmulated)
        {
            throw Fail(WorkerClientErrorReason.EmulatedNotAllowed,
                "the node runs an EMULATED TEE: its quote is not backed by hardware; refusing (pass --allow-emulated / AllowEmulated to accept it for testing)");
        }

        var appraisal = Appraise(bundle, quote, fetchedCollateral);
        var events = CheckEventLog(bundle, parsed);
        var verdict = MeasurementProfileMatcher.Match(parsed.Body, events, profiles);
        var agent = AgentMeasurements.Read(events, out var logReason);
        if (agent is null)
        {
            throw Fail(WorkerClientErrorReason.MeasurementRejected, $"the node's RTMR3 event log is not an agent log: {logReason}");
        }

        if (!verdict.Accepted && !_options.TrustAnyMeasurement)
        {
            throw Fail(WorkerClientErrorReason.MeasurementRejected, $"the node's measurements match no accepted profile: {verdict.Reason}");
        }

        var gpu = VerifyFreshGpuEvidence(bundle, nonce, agent);

        var chainId = bundle.ChainId;
        var registryAddress = bundle.RegistryAddress.Length == EthAddress.Size ? new EthAddress(bundle.RegistryAddress.Span) : EthAddress.Zero;
        if (_options.ExpectedChainId is { } wantChain && wantChain != chainId)
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, $"the node is on chain {chainId}, expected {wantChain}");
        }

        if (_options.ExpectedRegistry is { } wantRegistry && wantRegistry != registryAddress)
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, $"the node is registered in {registryAddress}, expected {wantRegistry}");
        }

        return new VerifiedNode(address, bundle.HpkePublicKey.ToByteArray(), quote, quoteHash, bundle.TeeType, chainId, registryAddress,
            bundle.ComputeBackend, bundle.AgentVersion, appraisal, null, bundle)
        {
            AcceptedProfile = verdict.Profile,
            Agent = agent,
            TlsSpkiSha256 = RaTlsBinding.IsBound(bundle.TlsSpkiSha256.Span) ? bundle.TlsSpkiSha256.ToByteArray() : null,
            MeasurementTrustedWithoutProfile = !verdict.Accepted,
            Gpu = gpu,
        };
    }

    /// <summary>
    /// RA-TLS (proto/README.md, RA-TLS): the node must measure <c>tls.mode=ra-tls</c> and bind a TLS key in report_data, and
    /// every key the connection pool presented must be that key, which is then pinned for every later connection. Without
    /// <see cref="NodeVerifierOptions.InsecureTransport"/>, anything else is refused: a plaintext node, an <c>http://</c>
    /// endpoint, a channel the caller made (its key cannot be seen), or a key the attestation does not bind.
    /// </summary>
    private VerifiedNode CheckTransport(VerifiedNode node, RaTlsPin? pin)
    {
        var mode = node.Agent?.Settings.GetValueOrDefault(MeasuredSettings.TlsMode);
        var insecure = _options.InsecureTransport;
        if (!string.Equals(mode, RaTlsBinding.RaTlsMode, StringComparison.Ordinal))
        {
            return insecure
                ? node
                : throw Fail(WorkerClientErrorReason.InsecureTransport,
                    $"the node serves gRPC without RA-TLS (measured {MeasuredSettings.TlsMode}={mode ?? "(none)"}): job ids, sizes and timing would be visible on the wire and nothing binds the connection to the TD; refusing (pass --insecure-transport / InsecureTransport to accept it)");
        }

        if (node.TlsSpkiSha256 is not { } attested)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation,
                $"the node measures {MeasuredSettings.TlsMode}={RaTlsBinding.RaTlsMode} but binds no TLS key (tls_spki_sha256 is empty or zero)");
        }

        if (pin is null)
        {
            return insecure
                ? node
                : throw Fail(WorkerClientErrorReason.InsecureTransport, client.Transport == WorkerTransport.Plaintext
                    ? $"the endpoint {client.Endpoint} is cleartext http://, but the node serves RA-TLS: connect to https://{client.Endpoint.Authority} (or pass --insecure-transport / InsecureTransport)"
                    : "the channel was made by the caller, so its TLS key cannot be checked against the attestation: connect with WorkerClient.Connect(https://HOST:PORT) (or pass InsecureTransport for a transport you secure yourself)");
        }

        if (!pin.TryPin(attested, out var other))
        {
            throw Fail(WorkerClientErrorReason.TlsKeyMismatch, other is null
                ? "no TLS handshake was seen on the connection that fetched the attestation, so its key cannot be checked"
                : $"the endpoint {client.Endpoint} presented TLS key {RaTlsBinding.Format(other)}, but the node's attestation binds {RaTlsBinding.Format(attested)}: a TLS terminator or another server sits between you and the TD; refusing");
        }

        return node with { TransportPinned = true };
    }

    /// <summary>
    /// The fresh GPU evidence (proto/README.md, GPU evidence): required for a cuda node; signed by the node key over
    /// <see cref="GpuEvidenceBinding.SignatureDigest"/>; every report requested with <see cref="GpuEvidenceBinding.DeriveNonce"/>;
    /// then GPU verification under <see cref="NodeVerifierOptions.GpuPolicy"/> with the stapled GPU collateral; only with
    /// AllowEmulated are the emulated GPU's roots (from the emulation seed) trusted and emulation allowed.
    /// </summary>
    internal VerifiedGpuEvidence? VerifyFreshGpuEvidence(AttestationBundle bundle, ReadOnlySpan<byte> nonce, MeasuredAgent agent)
    {
        var cuda = string.Equals(bundle.ComputeBackend, "cuda", StringComparison.OrdinalIgnoreCase)
            || (agent.Settings.TryGetValue(MeasuredSettings.ComputeBackend, out var measuredBackend) && string.Equals(measuredBackend, "cuda", StringComparison.OrdinalIgnoreCase));
        var fresh = bundle.FreshGpuEvidence;
        if (fresh.IsEmpty)
        {
            if (cuda)
            {
                throw Fail(WorkerClientErrorReason.GpuEvidenceRejected,
                    "fresh GPU evidence check: the node runs the cuda backend but sent no fresh GPU evidence; GPU jobs need verified GPUs");
            }

            return null;
        }

        if (bundle.GpuEvidenceBindingVersion != GpuEvidenceBinding.Version)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation,
                $"gpu_evidence_binding_version {bundle.GpuEvidenceBindingVersion} is not supported (expected {GpuEvidenceBinding.Version})");
        }

        if (bundle.FreshGpuEvidenceSignature.Length != GpuEvidenceBinding.SignatureLength)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation,
                $"fresh_gpu_evidence_signature is {bundle.FreshGpuEvidenceSignature.Length} bytes, expected {GpuEvidenceBinding.SignatureLength}");
        }

        var address = new EthAddress(bundle.NodeAddress.Span);
        var digest = GpuEvidenceBinding.SignatureDigest(nonce, fresh.Span, bundle.GpuCollateral);
        if (!Secp256k1.TryRecover(digest, EthSignature.FromBytes65(bundle.FreshGpuEvidenceSignature.Span), out var signer) || signer != address)
        {
            throw Fail(WorkerClientErrorReason.GpuEvidenceRejected,
                $"fresh GPU evidence signature check: it does not recover to the node address {address}");
        }

        var gpuNonce = GpuEvidenceBinding.DeriveNonce(nonce, bundle.NodeAddress.Span, bundle.HpkePublicKey.Span);
        var evidenceSha256 = Convert.ToHexStringLower(SHA256.HashData(fresh.Span));
        return VerifyNvidiaGpuEvidence(fresh.Span, bundle.GpuCollateral, gpuNonce, evidenceSha256);
    }

    private VerifiedGpuEvidence VerifyNvidiaGpuEvidence(ReadOnlySpan<byte> evidence, string collateralJson, byte[] gpuNonce, string evidenceSha256)
    {
        GpuCollateral collateral;
        try
        {
            collateral = collateralJson.Length == 0 ? GpuCollateral.Empty : GpuCollateral.FromJson(System.Text.Encoding.UTF8.GetBytes(collateralJson));
        }
        catch (Exception ex) when (ex is AttestationException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation, $"the stapled GPU collateral does not parse: {ex.Message}", ex);
        }

        // The emulated GPU's roots are trusted, and emulation allowed, only under AllowEmulated; otherwise the production roots alone.
        var context = collateral.ApplyTo(new GpuVerificationContext
        {
            At = _options.TimeProvider.GetUtcNow(),
            Policy = _options.AllowEmulated ? _options.GpuPolicy with { AllowEmulated = true } : _options.GpuPolicy,
            ExpectedNonce = gpuNonce,
        });
        if (_options.AllowEmulated)
        {
            var (device, rim) = EmulatedGpuRoots(_options.EmulationSeed);
            context = context with { Roots = device, RimRoots = rim };
        }

        var appraisal = GpuVerifier.VerifyRemoteEvidence(evidence, context);
        if (!appraisal.Valid && !_options.AllowEmulated && appraisal.FailedCheck == GpuCheck.TrustedRoot
            && appraisal.Reason?.Contains(EmulatedGpu.RootName, StringComparison.Ordinal) == true)
        {
            // Rejected either way (not a trusted root); the subject only picks the clearer error.
            throw Fail(WorkerClientErrorReason.EmulatedNotAllowed,
                "the node's fresh GPU evidence is EMULATED (its device chain ends at the emulated Device Identity CA, not NVIDIA's); refusing (pass --allow-emulated / AllowEmulated to accept it for testing)");
        }

        if (!appraisal.Valid)
        {
            throw Fail(WorkerClientErrorReason.GpuEvidenceRejected,
                $"the fresh GPU evidence failed verification at {appraisal.FailedCheck} ({appraisal.FailedItem}): {appraisal.Reason}");
        }

        var gpus = appraisal.Gpus.Select(g => new VerifiedGpu(g.Index, g.Emulated ? "EMULATED" : g.Arch, g.Uuid, g.DriverVersion, g.VbiosVersion, g.CcMode)).ToArray();
        return new VerifiedGpuEvidence(NvidiaRemoteEvidence.Format, appraisal.Emulated, gpus, appraisal, evidenceSha256);
    }

    /// <summary>
    /// The emulated GPU's device and RIM roots for a seed. Roots anchor on subject and key, which do not depend on the issue
    /// time; the RIM verifier also checks the trusted root's own validity, so these copies are issued for a century.
    /// </summary>
    private static (GpuTrustedRoots Device, RimTrustedRoots Rim) EmulatedGpuRoots(string seed) =>
        EmulatedGpuRootCache.GetOrAdd(seed, s =>
        {
            var gpu = EmulatedGpu.FromSeed(System.Text.Encoding.ASCII.GetBytes(s), DateTimeOffset.UnixEpoch.AddYears(50), TimeSpan.FromDays(36525));
            return (gpu.TrustedRoots, gpu.RimTrustedRoots);
        });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (GpuTrustedRoots Device, RimTrustedRoots Rim)> EmulatedGpuRootCache = new(StringComparer.Ordinal);

    private QuoteAppraisal Appraise(AttestationBundle bundle, byte[] quote, QuoteCollateral? fetchedCollateral)
    {
        QuoteCollateral collateral;
        var stapled = _options.Collateral is null && fetchedCollateral is null;
        try
        {
            collateral = _options.Collateral ?? fetchedCollateral ?? (bundle.Collateral.Length > 0
                ? QuoteCollateral.FromJson(bundle.Collateral)
                : throw Fail(WorkerClientErrorReason.QuoteRejected, "no collateral: the node stapled none and none was given"));
        }
        catch (AttestationException ex)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation, $"the stapled collateral does not parse: {ex.Message}", ex);
        }

        var emulated = bundle.TeeType == TeeType.EmulatedTdx;
        var policy = emulated ? _options.Policy with { AllowEmulated = true } : _options.Policy;
        if (stapled && _options.MaxStapledCollateralAge is { } maxStapledAge && (policy.MaxCollateralAge is not { } policyAge || maxStapledAge < policyAge))
        {
            policy = policy with { MaxCollateralAge = maxStapledAge };
        }

        var roots = emulated ? TrustedRoots.Intel.WithEmulated(EmulatedRoot(_options.EmulationSeed)) : TrustedRoots.Intel;
        var appraisal = DcapVerifier.Verify(quote, collateral, _options.TimeProvider.GetUtcNow(), policy, roots);
        if (!appraisal.Valid)
        {
            throw Fail(WorkerClientErrorReason.QuoteRejected,
                $"the quote failed verification at {appraisal.FailedCheck}: {appraisal.Reason} (TCB status {appraisal.TcbStatus})");
        }

        return appraisal;
    }

    private static List<RtmrEvent> CheckEventLog(AttestationBundle bundle, TdxQuote quote)
    {
        if (bundle.EventLog.Count == 0)
        {
            throw Fail(WorkerClientErrorReason.MeasurementRejected, "the node sent no RTMR3 event log: its agent and settings cannot be checked");
        }

        var events = new List<RtmrEvent>(bundle.EventLog.Count);
        foreach (var measurement in bundle.EventLog)
        {
            var rtmrEvent = new RtmrEvent((int)measurement.RtmrIndex, measurement.EventType, measurement.EventData.ToByteArray(), measurement.Digest.ToByteArray());
            if (rtmrEvent.RtmrIndex != RtmrEventLog.AgentRtmrIndex || !rtmrEvent.IsDigestConsistent())
            {
                throw Fail(WorkerClientErrorReason.MalformedAttestation,
                    $"event '{measurement.EventType}' is malformed: it must extend RTMR{RtmrEventLog.AgentRtmrIndex} with the SHA-384 of its data");
            }

            events.Add(rtmrEvent);
        }

        var replay = RtmrEventLog.Verify(events, quote.Body.Rtmr3);
        if (!replay.Matches)
        {
            throw Fail(WorkerClientErrorReason.QuoteRejected, $"the RTMR3 event log does not replay to the quote's RTMR3: {replay.Reason}");
        }

        return events;
    }

    /// <summary>The emulated root every emulated node derives from the well-known seed (only its key is pinned).</summary>
    private static byte[] EmulatedRoot(string seed) =>
        EmulatedRoots.GetOrAdd(seed, s => EmulatedTee.FromSeed(System.Text.Encoding.ASCII.GetBytes(s), DateTimeOffset.UnixEpoch.AddYears(50)).EmulatedRootCertificateDer);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> EmulatedRoots = new(StringComparer.Ordinal);

    private static ReadOnlySpan<byte> GpuDigestOrZero(AttestationBundle bundle) =>
        bundle.GpuEvidenceDigest.IsEmpty ? new byte[32] : bundle.GpuEvidenceDigest.Span;

    private static void CheckShape(AttestationBundle bundle)
    {
        if (bundle.NodeAddress.Length != EthAddress.Size || bundle.HpkePublicKey.Length != 32 || bundle.Quote.IsEmpty
            || bundle.NonceSignature.Length != 65 || bundle.GpuEvidenceDigest.Length is not (0 or 32) || bundle.TlsSpkiSha256.Length is not (0 or RaTlsBinding.SpkiDigestLength))
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation,
                $"malformed bundle: node_address {bundle.NodeAddress.Length} B, hpke_public_key {bundle.HpkePublicKey.Length} B, quote {bundle.Quote.Length} B, nonce_signature {bundle.NonceSignature.Length} B, tls_spki_sha256 {bundle.TlsSpkiSha256.Length} B");
        }

        if (bundle.ReportDataVersion != ReportDataBinding.Version)
        {
            throw Fail(WorkerClientErrorReason.MalformedAttestation, $"report_data version {bundle.ReportDataVersion} is not supported (expected {ReportDataBinding.Version})");
        }
    }

    private static void CheckRegistration(VerifiedNode node, RegisteredNode? record)
    {
        if (record is null)
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, $"node {node.Address} is not registered in {node.Registry}");
        }

        if (!record.HpkePublicKey.AsSpan().SequenceEqual(node.HpkePublicKey))
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, "the registry holds another HPKE key for this node than the one it attests");
        }

        if (record.QuoteHash != node.QuoteHash)
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, $"the registry holds quote hash {record.QuoteHash}, the node presents {node.QuoteHash}");
        }

        if (!record.Active)
        {
            throw Fail(WorkerClientErrorReason.RegistrationMismatch, $"node {node.Address} is deregistered");
        }
    }

    private static WorkerClientException Fail(WorkerClientErrorReason reason, string message, Exception? inner = null) => new(reason, message, inner);
}
