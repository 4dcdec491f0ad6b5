using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.ABI.EIP712;
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

    /// <summary>The EIP-712 types, EIP712Domain included (as Nethereum's typed data carries them).</summary>
    public static IReadOnlyDictionary<string, MemberDescription[]> Types { get; } =
        new Dictionary<string, MemberDescription[]>(StringComparer.Ordinal)
        {
            [TypedDataHashing.DomainTypeName] =
            [
                Member("name", "string"), Member("version", "string"), Member("chainId", "uint256"), Member("verifyingContract", "address"),
            ],
            [PrimaryType] =
            [
                Member("jobId", "bytes32"), Member("modelHash", "bytes32"), Member("inputHash", "bytes32"), Member("outputHash", "bytes32"),
                Member("quoteHash", "bytes32"), Member("finishedAt", "uint64"), Member("backend", "string"),
            ],
        };

    /// <summary>The domain values for a registry on a chain, in the order of <c>EIP712Domain</c>.</summary>
    public static MemberValue[] Domain(ulong chainId, EthAddress registry) =>
    [
        Value("string", DomainName), Value("string", DomainVersion), Value("uint256", new BigInteger(chainId)), Value("address", registry.ToString()),
    ];

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

    /// <summary>
    /// The EIP-712 digest that is signed (and used as the Merkle leaf). Written out for this one fixed struct (two
    /// stack buffers, no allocation but the backend string) because every job signs one; the tests check it equals
    /// Nethereum's generic encoder over <see cref="ToTypedData"/> and the contract's <c>hashReceipt</c>.
    /// </summary>
    public static Hash32 Digest(JobReceiptData r, ulong chainId, EthAddress registry) =>
        TypedDataHashing.Digest(DomainSeparator(chainId, registry), HashStruct(r));

    /// <summary>The receipt as Nethereum typed data (for JSON, for tools and for Nethereum's signer).</summary>
    public static TypedDataRaw ToTypedData(JobReceiptData r, ulong chainId, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new TypedDataRaw
        {
            Types = Types.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            PrimaryType = PrimaryType,
            DomainRawValues = Domain(chainId, registry),
            Message =
            [
                Value("bytes32", r.JobId.ToArray()), Value("bytes32", r.ModelHash.ToArray()), Value("bytes32", r.InputHash.ToArray()),
                Value("bytes32", r.OutputHash.ToArray()), Value("bytes32", r.QuoteHash.ToArray()), Value("uint64", new BigInteger(r.FinishedAt)),
                Value("string", r.Backend),
            ],
        };
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

    /// <summary>The receipt as JSON: <c>eth_signTypedData_v4</c> typed data (written by Nethereum) plus <c>signature</c> (0x-hex, v = 27/28).</summary>
    public static string ToJson(JobReceiptData r, ulong chainId, EthAddress registry, ReadOnlySpan<byte> signature65)
    {
        var json = JsonNode.Parse(TypedDataHashing.ToJson(ToTypedData(r, chainId, registry)))!.AsObject();
        json["signature"] = Hex.Encode(signature65);
        return json.ToJsonString();
    }

    /// <summary>Parses receipt JSON written by <see cref="ToJson"/> (or any tool producing the same typed data).</summary>
    /// <exception cref="ChainException">Not a PhalaWorker JobReceipt, or malformed (<see cref="ChainErrorReason.InvalidTypedData"/>).</exception>
    public static SignedJobReceipt ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] signature;
        try
        {
            signature = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 16 }) is JsonObject { } root
                && root["signature"] is JsonValue value && value.TryGetValue<string>(out var hex) && TryDecodeExact(hex, 65) is { } bytes
                ? bytes
                : throw Invalid("a 65-byte signature is required");
        }
        catch (JsonException ex)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, "Invalid receipt JSON: " + ex.Message, ex);
        }

        var typedData = TypedDataHashing.ParseJson(json);
        if (typedData.PrimaryType != PrimaryType || typedData.Types is null || typedData.Types.Count != Types.Count
            || !Types.All(t => typedData.Types.TryGetValue(t.Key, out var members) && members.Select(m => (m.Name, m.Type)).SequenceEqual(t.Value.Select(m => (m.Name, m.Type)))))
        {
            throw Invalid("not a JobReceipt (primaryType or type definitions differ)");
        }

        var domain = typedData.DomainRawValues;
        if (domain is not { Length: 4 } || AsString(domain[0]) != DomainName || AsString(domain[1]) != DomainVersion)
        {
            throw Invalid($"the domain must be {{name \"{DomainName}\", version \"{DomainVersion}\", chainId, verifyingContract}}");
        }

        var chainId = AsInteger(domain[2], "chainId");
        if (chainId.Sign < 0 || chainId > ulong.MaxValue)
        {
            throw Invalid("chainId out of range");
        }

        var registry = AsString(domain[3]) is { } address && EthAddress.TryParse(address, null, out var parsed) ? parsed : throw Invalid("verifyingContract must be an address");
        var m = typedData.Message;
        if (m is not { Length: 7 })
        {
            throw Invalid("the message must have the 7 JobReceipt fields");
        }

        var finishedAt = AsInteger(m[5], "finishedAt");
        var receipt = new JobReceiptData(
            Bytes32(m[0], "jobId"), Bytes32(m[1], "modelHash"), Bytes32(m[2], "inputHash"), Bytes32(m[3], "outputHash"), Bytes32(m[4], "quoteHash"),
            finishedAt.Sign >= 0 && finishedAt <= ulong.MaxValue ? (ulong)finishedAt : throw Invalid("finishedAt must be a uint64"),
            AsString(m[6]) ?? throw Invalid("backend must be a string"));
        return new SignedJobReceipt(receipt, (ulong)chainId, registry, signature);
    }

    private static MemberDescription Member(string name, string type) => new() { Name = name, Type = type };

    private static MemberValue Value(string type, object value) => new() { TypeName = type, Value = value };

    private static string? AsString(MemberValue value) => value.Value as string;

    // Nethereum hands JSON integers over as the numeric type it read (or a decimal / 0x-hex string).
    private static BigInteger AsInteger(MemberValue value, string name) => value.Value switch
    {
        BigInteger b => b,
        long l => l,
        int i => i,
        ulong u => u,
        string s when Hex.HasPrefix(s) && s.Length is > 2 and <= 66 => new BigInteger(Hex.Decode(s.Length % 2 == 0 ? s : "0x0" + s[2..]), isUnsigned: true, isBigEndian: true),
        string s when BigInteger.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw Invalid($"{name} must be an integer"),
    };

    private static Hash32 Bytes32(MemberValue value, string name) => value.Value switch
    {
        byte[] { Length: 32 } bytes => new Hash32(bytes),
        string s when TryDecodeExact(s, 32) is { } bytes => new Hash32(bytes),
        _ => throw Invalid($"{name} must be 32 bytes"),
    };

    private static byte[]? TryDecodeExact(string hex, int length)
    {
        var bytes = new byte[length];
        return Hex.TryDecode(hex, bytes, out var written) && written == length ? bytes : null;
    }

    private static ChainException Invalid(string message) => new(ChainErrorReason.InvalidTypedData, "Invalid receipt JSON: " + message + ".");
}
