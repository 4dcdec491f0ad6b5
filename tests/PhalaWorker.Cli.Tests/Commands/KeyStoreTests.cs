using System.Text.Json;
using PhalaWorker.Cli.Commands;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary>
/// <c>--keystore FILE</c> takes a Web3 Secret Storage keystore (the ethereum/tests vectors: PBKDF2 and scrypt) with
/// <c>--password-file</c>, and still a bare hex key file; a wrong password or a malformed keystore exits 2 naming it.
/// </summary>
public sealed class KeyStoreTests
{
    private static JsonElement Vector(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "ethereum", "keystore", "basic_tests.json")));
        return doc.RootElement.GetProperty(name).Clone();
    }

    [TestCase("test1")]
    [TestCase("test2")]
    public void Decrypt_EthereumTestsVector_YieldsPrivateKey(string name)
    {
        var vector = Vector(name);

        var key = Web3KeyStore.Decrypt(vector.GetProperty("json").GetRawText(), vector.GetProperty("password").GetString()!);

        Assert.That(Convert.ToHexStringLower(key), Is.EqualTo(vector.GetProperty("priv").GetString()));
    }

    [Test]
    public void Decrypt_WrongPassword_NamesIt()
    {
        var vector = Vector("test1");

        var ex = Assert.Throws<CliException>(() => Web3KeyStore.Decrypt(vector.GetProperty("json").GetRawText(), "not-the-password"));

        Assert.That(ex!.Message, Does.Contain("wrong password"));
        Assert.That(ex.ExitCode, Is.EqualTo(CliApplication.ExitUsage));
    }

    [TestCase("""{"version":3,"crypto":{"cipher":"aes-128-cbc"}}""", "crypto.cipher")]
    [TestCase("""{"version":2}""", "'version' must be 3")]
    [TestCase("""{"version":3,"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"00"},"ciphertext":"","mac":""}}""", "'iv' must be 16 bytes")]
    [TestCase("""{"version":3,"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"000102030405060708090a0b0c0d0e0f"},"ciphertext":"0000000000000000000000000000000000000000000000000000000000000000","mac":"0000000000000000000000000000000000000000000000000000000000000000","kdf":"scrypt","kdfparams":{"dklen":32,"n":1073741824,"r":8,"p":1,"salt":"00"}}}""", "'n' must be a number")]
    [TestCase("{not json", "not JSON")]
    public void Decrypt_MalformedOrHostile_RefusedNamingTheField(string json, string names)
    {
        var ex = Assert.Throws<CliException>(() => Web3KeyStore.Decrypt(json, "x"));

        Assert.That(ex!.Message, Does.Contain(names));
    }

    [Test]
    public void LoadSigner_KeystoreWithPasswordFile_SignsAsThatKey()
    {
        var vector = Vector("test1");
        var directory = Directory.CreateTempSubdirectory("keystore");
        try
        {
            var keystore = Path.Combine(directory.FullName, "key.json");
            var password = Path.Combine(directory.FullName, "password");
            var hexFile = Path.Combine(directory.FullName, "key.hex");
            File.WriteAllText(keystore, vector.GetProperty("json").GetRawText());
            File.WriteAllText(password, "testpassword\n");
            File.WriteAllText(hexFile, "0x" + vector.GetProperty("priv").GetString());

            using var fromKeystore = RegistryCliSupport.LoadSigner(null, new FileInfo(keystore), new FileInfo(password));
            using var fromHex = RegistryCliSupport.LoadSigner(null, new FileInfo(hexFile));

            Assert.That(fromKeystore.Address, Is.EqualTo(fromHex.Address));
            var ex = Assert.Throws<CliException>(() => RegistryCliSupport.LoadSigner(null, new FileInfo(keystore), new FileInfo(Path.Combine(directory.FullName, "missing"))));
            Assert.That(ex!.Message, Does.Contain("--password-file"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
