using System.Buffers.Binary;
using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The EIP-712 form of a job receipt: domain {name "PhalaWorker", version "1", chainId, verifyingContract = registry},
/// struct <see cref="TypeString"/>. The digest is also the receipt's Merkle leaf; signatures are r‖s‖v with v = 27/28.
/// </summary>
public static class JobReceiptTypedData
{
    /// <summary>The EIP-712 primary type name.</summary>
    public const string PrimaryType = "JobReceipt";

    /// <summary>encodeType(JobReceipt).</summary>
    public const string TypeString =
        "JobReceipt(bytes32 jobId,bytes32 modelHash,bytes32 inputHash,bytes32 outputHash,bytes32 quoteHash,uint64 finishedAt,string backend)";

    /// <summary>The domain name.</summary>
    public const string DomainName = "PhalaWorker";

    /// <summary>The domain version.</summary>
    public const string DomainVersion = "1";

    private const string DomainTypeString = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

    /// <summary>keccak256(<see cref="TypeString"/>).</summary>
    public static Hash32 TypeHash { get; } = Keccak256.Hash(Encoding.ASCII.GetBytes(TypeString));

    private static readonly Hash32 s_domainTypeHash = Keccak256.Hash(Encoding.ASCII.GetBytes(DomainTypeString));
    private static readonly Hash32 s_nameHash = Keccak256.Hash(Encoding.ASCII.GetBytes(DomainName));
    private static readonly Hash32 s_versionHash = Keccak256.Hash(Encoding.ASCII.GetBytes(DomainVersion));

    /// <summary>The EIP-712 types (without EIP712Domain).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> Types { get; } =
        new Dictionary<string, IReadOnlyList<TypedDataField>>(StringComparer.Ordinal)
        {
            [PrimaryType] =
            [
                new("jobId", "bytes32"), new("modelHash", "bytes32"), new("inputHash", "bytes32"), new("outputHash", "bytes32"),
                new("quoteHash", "bytes32"), new("finishedAt", "uint64"), new("backend", "string"),
            ],
        };

    /// <summary>The domain for a registry on a chain.</summary>
    public static Eip712Domain Domain(ulong chainId, EthAddress registry) =>
        new() { Name = DomainName, Version = DomainVersion, ChainId = chainId, VerifyingContract = registry };

    /// <summary>The domain separator for a registry on a chain.</summary>
    public static Hash32 DomainSeparator(ulong chainId, EthAddress registry)
    {
        Span<byte> buffer = stackalloc byte[5 * 32];
        buffer.Clear();
        s_domainTypeHash.CopyTo(buffer);
        s_nameHash.CopyTo(buffer[32..]);
        s_versionHash.CopyTo(buffer[64..]);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(96 + 24)..], chainId);
        registry.AsSpan().CopyTo(buffer[(128 + 12)..]);
        return Keccak256.Hash(buffer);
    }

    /// <summary>hashStruct(JobReceipt).</summary>
    public static Hash32 HashStruct(JobReceiptData receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(receipt.Backend, "receipt.Backend");
        Span<byte> buffer = stackalloc byte[8 * 32];
        buffer.Clear();
        TypeHash.CopyTo(buffer);
        receipt.JobId.CopyTo(buffer[32..]);
        receipt.ModelHash.CopyTo(buffer[64..]);
        receipt.InputHash.CopyTo(buffer[96..]);
        receipt.OutputHash.CopyTo(buffer[128..]);
        receipt.QuoteHash.CopyTo(buffer[160..]);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(192 + 24)..], receipt.FinishedAt);
        Keccak256.Hash(Encoding.UTF8.GetBytes(receipt.Backend), buffer[224..]);
        return Keccak256.Hash(buffer);
    }

    /// <summary>The EIP-712 digest that is signed (and used as the Merkle leaf).</summary>
    public static Hash32 Digest(JobReceiptData r, ulong chainId, EthAddress registry) =>
        Eip712.Digest(DomainSeparator(chainId, registry), HashStruct(r));

    /// <summary>The receipt as generic typed data (for JSON and for tools).</summary>
    public static TypedData ToTypedData(JobReceiptData r, ulong chainId, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(r);
        var message = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["jobId"] = r.JobId,
            ["modelHash"] = r.ModelHash,
            ["inputHash"] = r.InputHash,
            ["outputHash"] = r.OutputHash,
            ["quoteHash"] = r.QuoteHash,
            ["finishedAt"] = r.FinishedAt,
            ["backend"] = r.Backend,
        };
        return new TypedData(Domain(chainId, registry), Types, PrimaryType, message);
    }

    /// <summary>Signs the digest: 65 bytes r‖s‖v, v = 27/28.</summary>
    public static byte[] Sign(EthSigner signer, JobReceiptData r, ulong chainId, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return signer.SignHash(Digest(r, chainId, registry)).ToBytes65();
    }

    /// <summary>The address that produced <paramref name="signature65"/> over this receipt.</summary>
    /// <exception cref="ChainException">Malformed or unrecoverable signature.</exception>
    public static EthAddress Recover(JobReceiptData r, ulong chainId, EthAddress registry, ReadOnlySpan<byte> signature65) =>
        Secp256k1.Recover(Digest(r, chainId, registry), signature65);

    /// <summary>Whether <paramref name="expectedSigner"/> signed this exact receipt (false for any malformed signature).</summary>
    public static bool Verify(JobReceiptData r, ulong chainId, EthAddress registry, ReadOnlySpan<byte> signature65, EthAddress expectedSigner)
    {
        if (signature65.Length != 65 || signature65[64] is not (27 or 28 or 0 or 1))
        {
            return false;
        }

        return Secp256k1.TryRecover(Digest(r, chainId, registry), EthSignature.FromBytes65(signature65), out var signer) && signer == expectedSigner;
    }

    /// <summary>The receipt as JSON: <c>{domain, types, primaryType, message, signature}</c> (eth_signTypedData_v4 shape).</summary>
    public static string ToJson(JobReceiptData r, ulong chainId, EthAddress registry, ReadOnlySpan<byte> signature65) =>
        TypedDataJson.Write(ToTypedData(r, chainId, registry), signature65);

    /// <summary>Parses receipt JSON written by <see cref="ToJson"/> (or any tool producing the same typed data).</summary>
    /// <exception cref="ChainException">Not a PhalaWorker JobReceipt, or malformed (<see cref="ChainErrorReason.InvalidTypedData"/>).</exception>
    public static SignedJobReceipt ParseJson(string json)
    {
        var typedData = TypedDataJson.Parse(json, out var signature);
        if (typedData.PrimaryType != PrimaryType
            || !typedData.Types.TryGetValue(PrimaryType, out var fields)
            || !fields.SequenceEqual(Types[PrimaryType]))
        {
            throw Invalid("not a JobReceipt (primaryType or type definition differs)");
        }

        var domain = typedData.Domain;
        if (domain.Name != DomainName || domain.Version != DomainVersion || domain.ChainId is not { } chainId
            || domain.VerifyingContract is not { } registry || domain.Salt is not null)
        {
            throw Invalid($"the domain must be {{name \"{DomainName}\", version \"{DomainVersion}\", chainId, verifyingContract}}");
        }

        if (chainId.Sign < 0 || chainId > ulong.MaxValue)
        {
            throw Invalid("chainId out of range");
        }

        if (signature is not { Length: 65 })
        {
            throw Invalid("a 65-byte signature is required");
        }

        var m = typedData.Message;
        var receipt = new JobReceiptData(
            Bytes32(m, "jobId"), Bytes32(m, "modelHash"), Bytes32(m, "inputHash"), Bytes32(m, "outputHash"), Bytes32(m, "quoteHash"),
            m.TryGetValue("finishedAt", out var finished) && finished is System.Numerics.BigInteger f && f.Sign >= 0 && f <= ulong.MaxValue
                ? (ulong)f : throw Invalid("finishedAt must be a uint64"),
            m.TryGetValue("backend", out var backend) && backend is string b ? b : throw Invalid("backend must be a string"));
        return new SignedJobReceipt(receipt, (ulong)chainId, registry, signature);
    }

    private static Hash32 Bytes32(IReadOnlyDictionary<string, object?> message, string name) =>
        message.TryGetValue(name, out var value) && value is byte[] { Length: 32 } bytes ? new Hash32(bytes) : throw Invalid($"{name} must be 32 bytes");

    private static ChainException Invalid(string message) => new(ChainErrorReason.InvalidTypedData, "Invalid receipt JSON: " + message + ".");
}
