using System.Security.Cryptography;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// What the node and the submitter derive alike from the 32-byte <c>JobRequest.job_secret</c> (sealed inside the job
/// envelope, so only they know it; proto/README.md "Job secret"):
/// <code>
/// receipt_salt      = keccak256( ASCII "phala-worker/v1 receipt salt" ‖ job_secret )
/// access_token      = SHA-256( ASCII "phala-worker/v1 access token" ‖ job_secret )   (sent with GetResult / WatchJob)
/// access_token_hash = SHA-256( access_token )                                        (all the node keeps)
/// </code>
/// </summary>
public static class JobSecrets
{
    /// <summary>Length of the job secret, the salt and the access token.</summary>
    public const int Length = 32;

    /// <summary>The salt of the receipt hashes (<see cref="JobReceiptHashes"/>).</summary>
    public static Hash32 ReceiptSalt(ReadOnlySpan<byte> jobSecret)
    {
        Check(jobSecret);
        var hasher = Keccak256.CreateIncremental();
        hasher.Append("phala-worker/v1 receipt salt"u8);
        hasher.Append(jobSecret);
        return hasher.GetHash();
    }

    /// <summary>The proof of being the submitter that GetResult and WatchJob require.</summary>
    public static byte[] AccessToken(ReadOnlySpan<byte> jobSecret)
    {
        Check(jobSecret);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("phala-worker/v1 access token"u8);
        hash.AppendData(jobSecret);
        return hash.GetHashAndReset();
    }

    /// <summary>What the node journals instead of the token.</summary>
    public static byte[] AccessTokenHash(ReadOnlySpan<byte> accessToken) => SHA256.HashData(accessToken);

    /// <summary>True when <paramref name="accessToken"/> hashes to <paramref name="accessTokenHash"/> (constant time).</summary>
    public static bool Matches(ReadOnlySpan<byte> accessToken, ReadOnlySpan<byte> accessTokenHash) =>
        accessToken.Length == Length && accessTokenHash.Length == Length
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(accessToken), accessTokenHash);

    private static void Check(ReadOnlySpan<byte> jobSecret)
    {
        if (jobSecret.Length != Length)
        {
            throw new ArgumentException($"the job secret is {Length} bytes", nameof(jobSecret));
        }
    }
}
