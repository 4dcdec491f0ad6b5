using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PhalaWorker.Attestation.Binding;

namespace PhalaWorker.Client;

/// <summary>
/// The RA-TLS pin of one connection pool to a node. Before the node is verified, every TLS handshake is accepted without CA
/// validation and the presented key (SHA-256 of the certificate's SubjectPublicKeyInfo, <see cref="RaTlsBinding"/>) is
/// recorded; <see cref="NodeVerifier"/> then requires that every key presented so far is the one the verified quote binds,
/// and pins it: from then on a handshake presenting any other key is refused, so nothing job-related is ever sent over a
/// connection the attestation does not vouch for.
/// </summary>
public sealed class RaTlsPin
{
    private readonly Lock _gate = new();
    private readonly List<byte[]> _presented = [];
    private byte[]? _pinned;
    private byte[]? _refused;

    /// <summary>The pinned key digest (SHA-256 of the SubjectPublicKeyInfo); null until the node was verified.</summary>
    public byte[]? PinnedSpkiSha256
    {
        get
        {
            lock (_gate)
            {
                return _pinned?.ToArray();
            }
        }
    }

    /// <summary>The <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/> of the pool.</summary>
    internal bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // No CA validation (the certificate is self-signed in the TD; the attestation vouches for its key, not a CA), but
        // there must be a certificate.
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        byte[] digest;
        if (certificate is X509Certificate2 certificate2)
        {
            digest = RaTlsBinding.SpkiDigest(certificate2);
        }
        else
        {
            using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            digest = RaTlsBinding.SpkiDigest(loaded);
        }

        lock (_gate)
        {
            if (_pinned is not null)
            {
                if (CryptographicOperations.FixedTimeEquals(_pinned, digest))
                {
                    return true;
                }

                _refused = digest;
                return false;
            }

            if (!_presented.Exists(p => p.AsSpan().SequenceEqual(digest)))
            {
                _presented.Add(digest);
            }

            return true;
        }
    }

    /// <summary>
    /// Pins <paramref name="attestedSpkiSha256"/> when every key presented so far (at least one, unless not
    /// <paramref name="requireSeen"/>) is it; otherwise returns the first other key presented (nothing is pinned then).
    /// </summary>
    internal bool TryPin(byte[] attestedSpkiSha256, out byte[]? other, bool requireSeen = true)
    {
        lock (_gate)
        {
            other = _pinned is not null && !_pinned.AsSpan().SequenceEqual(attestedSpkiSha256)
                ? _pinned
                : _presented.Find(p => !p.AsSpan().SequenceEqual(attestedSpkiSha256));
            if (other is not null || (requireSeen && _pinned is null && _presented.Count == 0))
            {
                return false;
            }

            _pinned = attestedSpkiSha256.ToArray();
            return true;
        }
    }

    /// <summary>The key of the last handshake refused for not being the pinned one (cleared by reading it).</summary>
    internal byte[]? TakeRefused()
    {
        lock (_gate)
        {
            var refused = _refused;
            _refused = null;
            return refused;
        }
    }
}
