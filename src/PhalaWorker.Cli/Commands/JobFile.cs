using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// What a submitter keeps to fetch and check a job's result later (<c>submit --out DIR</c> writes <c>DIR/job.json</c>,
/// <c>result fetch</c> reads it): where the job runs, the node identity it was sealed to (address and quote hash, as verified
/// at submission, with the chain and registry its receipt must name), the job secret (it derives the GetResult access token
/// and the receipt salt), the result private key (it opens the sealed output) and the salted model and input hashes the
/// receipt must carry. It holds secrets: written with mode 0600, and never printed.
/// </summary>
internal sealed record JobFile(
    byte[] JobId,
    Uri Endpoint,
    Uri? Rpc,
    EthAddress Registry,
    ulong ChainId,
    EthAddress Node,
    Hash32 QuoteHash,
    byte[] JobSecret,
    byte[] ResultPrivateKey,
    Hash32 ModelHash,
    Hash32 InputHash,
    DateTimeOffset SubmittedAt)
{
    public const string FileName = "job.json";

    private const int Version = 1;

    public string JobIdHex => SubmitFormat.Hex(JobId);

    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = new JsonObject
        {
            ["version"] = Version,
            ["jobId"] = JobIdHex,
            ["endpoint"] = Endpoint.ToString(),
            ["rpc"] = Rpc?.ToString(),
            ["registry"] = Registry.ToChecksumString(),
            ["chainId"] = ChainId,
            ["node"] = Node.ToChecksumString(),
            ["quoteHash"] = QuoteHash.ToString(),
            ["jobSecret"] = SubmitFormat.Hex(JobSecret),
            ["resultPrivateKey"] = SubmitFormat.Hex(ResultPrivateKey),
            ["modelHash"] = ModelHash.ToString(),
            ["inputHash"] = InputHash.ToString(),
            ["submittedAt"] = SubmittedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString(Internal.CliJson.Indented);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(json);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <exception cref="CliException">The file is missing or not a job file.</exception>
    public static JobFile Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the job file {path}: {ex.Message}");
        }

        try
        {
            var root = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("not a JSON object");
            if (Get(root, "version").GetValue<int>() != Version)
            {
                throw new FormatException($"unsupported version (this tool reads version {Version})");
            }

            var rpc = root["rpc"]?.GetValue<string>();
            return new JobFile(
                Bytes(root, "jobId", 32),
                new Uri(Get(root, "endpoint").GetValue<string>()),
                rpc is null ? null : new Uri(rpc),
                EthAddress.Parse(Get(root, "registry").GetValue<string>()),
                Get(root, "chainId").GetValue<ulong>(),
                EthAddress.Parse(Get(root, "node").GetValue<string>()),
                Hash32.Parse(Get(root, "quoteHash").GetValue<string>()),
                Bytes(root, "jobSecret", 32),
                Bytes(root, "resultPrivateKey", 32),
                Hash32.Parse(Get(root, "modelHash").GetValue<string>()),
                Hash32.Parse(Get(root, "inputHash").GetValue<string>()),
                DateTimeOffset.Parse(Get(root, "submittedAt").GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException or UriFormatException)
        {
            throw new CliException($"{path} is not a job file written by 'phala-worker submit --out': {ex.Message}");
        }
    }

    private static JsonNode Get(JsonObject root, string name) => root[name] ?? throw new FormatException($"no '{name}'");

    private static byte[] Bytes(JsonObject root, string name, int length)
    {
        var bytes = Hex.Decode(Get(root, name).GetValue<string>());
        return bytes.Length == length ? bytes : throw new FormatException($"'{name}' is not {length} bytes");
    }
}
