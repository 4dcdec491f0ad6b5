using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>
/// DCAP collateral for one quote, in the shape of dcap-qvl's <c>QuoteCollateralV3</c> JSON
/// (snake_case keys; CRLs and signatures as hex, chains as PEM, TCB info / QE identity as the exact signed JSON text).
/// </summary>
public sealed record QuoteCollateral
{
    private byte[]? _contentHash;

    /// <summary>PEM: the PCK CA that issued the PCK CRL, then the root.</summary>
    [JsonPropertyName("pck_crl_issuer_chain")]
    public required string PckCrlIssuerChain { get; init; }

    /// <summary>DER of the root CA CRL.</summary>
    [JsonPropertyName("root_ca_crl")]
    [JsonConverter(typeof(HexBytesJsonConverter))]
    public required byte[] RootCaCrl { get; init; }

    /// <summary>DER of the PCK (platform or processor) CA CRL.</summary>
    [JsonPropertyName("pck_crl")]
    [JsonConverter(typeof(HexBytesJsonConverter))]
    public required byte[] PckCrl { get; init; }

    /// <summary>PEM: TCB signing cert, then the root.</summary>
    [JsonPropertyName("tcb_info_issuer_chain")]
    public required string TcbInfoIssuerChain { get; init; }

    /// <summary>The signed <c>tcbInfo</c> JSON body, byte-exact.</summary>
    [JsonPropertyName("tcb_info")]
    public required string TcbInfo { get; init; }

    /// <summary>Raw r‖s (64 bytes) ECDSA P-256 signature over <see cref="TcbInfo"/>.</summary>
    [JsonPropertyName("tcb_info_signature")]
    [JsonConverter(typeof(HexBytesJsonConverter))]
    public required byte[] TcbInfoSignature { get; init; }

    /// <summary>PEM: TCB signing cert, then the root.</summary>
    [JsonPropertyName("qe_identity_issuer_chain")]
    public required string QeIdentityIssuerChain { get; init; }

    /// <summary>The signed <c>enclaveIdentity</c> JSON body, byte-exact.</summary>
    [JsonPropertyName("qe_identity")]
    public required string QeIdentity { get; init; }

    /// <summary>Raw r‖s (64 bytes) ECDSA P-256 signature over <see cref="QeIdentity"/>.</summary>
    [JsonPropertyName("qe_identity_signature")]
    [JsonConverter(typeof(HexBytesJsonConverter))]
    public required byte[] QeIdentitySignature { get; init; }

    /// <summary>Parses the QuoteCollateralV3 JSON; throws <see cref="AttestationException"/> (<see cref="AttestationErrorReason.CollateralFormat"/>).</summary>
    public static QuoteCollateral FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, CollateralJsonContext.Default.QuoteCollateral)
                ?? throw new AttestationException(AttestationErrorReason.CollateralFormat, "collateral JSON is null");
        }
        catch (JsonException ex)
        {
            throw new AttestationException(AttestationErrorReason.CollateralFormat, $"collateral JSON is invalid: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new AttestationException(AttestationErrorReason.CollateralFormat, $"collateral JSON holds invalid hex: {ex.Message}", ex);
        }
    }

    public static QuoteCollateral FromJson(ReadOnlySpan<byte> utf8Json) => FromJson(Encoding.UTF8.GetString(utf8Json));

    public string ToJson() => JsonSerializer.Serialize(this, CollateralJsonContext.Default.QuoteCollateral);

    /// <summary>SHA-256 over all fields (length-prefixed); the key of the verifier's per-collateral cache.</summary>
    internal byte[] ContentHash => _contentHash ??= ComputeContentHash();

    private byte[] ComputeContentHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var len = new byte[4];
        void Add(ReadOnlySpan<byte> part)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, part.Length);
            hash.AppendData(len);
            hash.AppendData(part);
        }

        Add(Encoding.UTF8.GetBytes(PckCrlIssuerChain));
        Add(RootCaCrl);
        Add(PckCrl);
        Add(Encoding.UTF8.GetBytes(TcbInfoIssuerChain));
        Add(Encoding.UTF8.GetBytes(TcbInfo));
        Add(TcbInfoSignature);
        Add(Encoding.UTF8.GetBytes(QeIdentityIssuerChain));
        Add(Encoding.UTF8.GetBytes(QeIdentity));
        Add(QeIdentitySignature);
        return hash.GetHashAndReset();
    }
}

/// <summary>Hex (upper or lower case, optional 0x) ↔ byte[].</summary>
internal sealed class HexBytesJsonConverter : JsonConverter<byte[]>
{
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("expected a hex string");
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }

        return Convert.FromHexString(text);
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Convert.ToHexStringLower(value));
}

[JsonSerializable(typeof(QuoteCollateral))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class CollateralJsonContext : JsonSerializerContext;
