using System.Text.Json;
using Nethereum.KeyStore;

namespace PhalaWorker.Cli.Internal;

/// <summary>
/// Decrypts a Web3 Secret Storage (version 3) keystore with Nethereum.KeyStore (scrypt or PBKDF2-HMAC-SHA256, MAC check,
/// AES-128-CTR), after checking its shape here and bounding the KDF parameters, so a hostile file cannot ask for gigabytes
/// of memory or hours of CPU (Nethereum does not bound them).
/// </summary>
internal static class Web3KeyStore
{
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>Whether <paramref name="text"/> looks like a JSON keystore rather than a bare hex key.</summary>
    public static bool IsKeyStore(string text) => text.TrimStart().StartsWith('{');

    /// <summary>The private key; <see cref="CliException"/> naming the field on a malformed file or a wrong password.</summary>
    public static byte[] Decrypt(string json, string password)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(password);
        if (json.Length > MaxFileBytes)
        {
            throw Bad("the file is larger than 64 KiB");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Bad($"not JSON ({ex.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 3)
            {
                throw Bad("'version' must be 3");
            }

            var crypto = root.TryGetProperty("crypto", out var c) ? c : root.TryGetProperty("Crypto", out c) ? c : throw Bad("no 'crypto' object");
            if (String(crypto, "cipher") != "aes-128-ctr")
            {
                throw Bad("'crypto.cipher' must be aes-128-ctr");
            }

            Hex(Object(crypto, "cipherparams"), "iv", 16);
            Hex(crypto, "ciphertext", 32);
            Hex(crypto, "mac", 32);
            var kdfParams = Object(crypto, "kdfparams");
            if (Int(kdfParams, "dklen", 32, 32) != 32)
            {
                throw Bad("'kdfparams.dklen' must be 32");
            }

            Hex(kdfParams, "salt", -1);
            switch (String(crypto, "kdf"))
            {
                case "scrypt":
                    CheckScrypt(kdfParams);
                    break;
                case "pbkdf2" when String(kdfParams, "prf") == "hmac-sha256":
                    Int(kdfParams, "c", 1, 10_000_000);
                    break;
                case "pbkdf2":
                    throw Bad("'kdfparams.prf' must be hmac-sha256");
                default:
                    throw Bad("'crypto.kdf' must be scrypt or pbkdf2");
            }
        }

        // The parameters are bounded above; the KDF, MAC check and AES-128-CTR are Nethereum.KeyStore's.
        try
        {
            return new KeyStoreService().DecryptKeyStoreFromJson(password, json);
        }
        catch (Exception ex) when (ex.Message.Contains("mac", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException("--keystore: wrong password (the keystore MAC does not match)", CliApplication.ExitUsage, ex);
        }
        catch (Exception ex) when (ex is not CliException and not OutOfMemoryException)
        {
            throw Bad(ex.Message);
        }
    }

    /// <summary>scrypt with its memory (128·r·N bytes) held to 256 MiB and p·r to 64.</summary>
    private static void CheckScrypt(JsonElement kdfParams)
    {
        var n = PowerOfTwo(Int(kdfParams, "n", 2, 1 << 21));
        var r = Int(kdfParams, "r", 1, 16);
        var p = Int(kdfParams, "p", 1, 16);
        if (128L * r * n > 256L * 1024 * 1024 || p * r > 64)
        {
            throw Bad("scrypt parameters need more than 256 MiB or p·r > 64");
        }
    }

    private static int PowerOfTwo(int n) => (n & (n - 1)) == 0 ? n : throw Bad("'kdfparams.n' must be a power of two");

    private static JsonElement Object(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : throw Bad($"no '{name}' object");

    private static string String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Bad($"no '{name}' string");

    private static int Int(JsonElement parent, string name, int min, int max) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max
            ? n
            : throw Bad($"'{name}' must be a number from {min} to {max}");

    private static byte[] Hex(JsonElement parent, string name, int length)
    {
        var text = String(parent, name);
        try
        {
            var bytes = Convert.FromHexString(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
            return length < 0 || bytes.Length == length ? bytes : throw Bad($"'{name}' must be {length} bytes of hex");
        }
        catch (FormatException)
        {
            throw Bad($"'{name}' is not hex");
        }
    }

    private static CliException Bad(string what) => new($"--keystore: not a usable Web3 Secret Storage keystore: {what}");
}
