using System.Text;
using Nethereum.Contracts;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// A TD identity as the registry's allow-list holds it (the contract's <c>MeasurementProfile</c> tuple): MRTD and RTMR0–2
/// (48 bytes each), the agent binary digest RTMR3 must carry and the settings RTMR3 must carry. Settings are kept sorted
/// by the UTF-8 bytes of their names, as the contract requires. <see cref="Id"/> is keccak256 of the tuple's ABI encoding
/// (<c>abi.encode(profile)</c>, name included), the id <c>allowMeasurements</c> returns and <c>revokeMeasurements</c> takes.
/// </summary>
public sealed class MeasurementProfileEntry
{
    /// <summary>The ABI type of the contract's MeasurementProfile tuple.</summary>
    public const string AbiTupleType = "(string,bytes,bytes,bytes,bytes,bytes32,string[],string[])";

    /// <summary>Length of MRTD and of each RTMR.</summary>
    public const int MeasurementLength = 48;

    /// <summary>The contract's limits: settings per profile, and bytes per string (name, setting name, value).</summary>
    public const int MaxSettings = 64;

    /// <inheritdoc cref="MaxSettings"/>
    public const int MaxStringLength = 256;

    /// <summary>Builds and checks an entry as the contract would; settings are sorted here.</summary>
    /// <exception cref="ChainException"><see cref="ChainErrorReason.InvalidAbi"/> naming the malformed field.</exception>
    public MeasurementProfileEntry(
        string name, byte[] mrTd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, Hash32 agentDigest, IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(settings);
        Check(Encoding.UTF8.GetByteCount(name) <= MaxStringLength, "name");
        Check(mrTd is { Length: MeasurementLength }, "mrTd");
        Check(rtmr0 is { Length: MeasurementLength }, "rtmr0");
        Check(rtmr1 is { Length: MeasurementLength }, "rtmr1");
        Check(rtmr2 is { Length: MeasurementLength }, "rtmr2");
        Check(!agentDigest.IsZero, "agentDigest");
        var sorted = settings.OrderBy(s => Encoding.UTF8.GetBytes(s.Key), ByteOrder.Instance).ToList();
        Check(sorted.Count <= MaxSettings, "settingNames");
        for (var i = 0; i < sorted.Count; i++)
        {
            var key = Encoding.UTF8.GetByteCount(sorted[i].Key);
            Check(key is > 0 and <= MaxStringLength, "settingNames");
            Check(sorted[i].Value is not null && Encoding.UTF8.GetByteCount(sorted[i].Value) <= MaxStringLength, "settingValues");
            Check(i == 0 || sorted[i - 1].Key != sorted[i].Key, "settingNames");
        }

        Name = name;
        MrTd = mrTd!;
        Rtmr0 = rtmr0!;
        Rtmr1 = rtmr1!;
        Rtmr2 = rtmr2!;
        AgentDigest = agentDigest;
        Settings = sorted;
        // abi.encode(profile) is measurementProfileId's calldata after the selector (one tuple argument).
        Id = Keccak256.Hash(new MeasurementProfileIdFunction { P = ToStruct() }.GetCallData().AsSpan(4));
    }

    public string Name { get; }

    public byte[] MrTd { get; }

    public byte[] Rtmr0 { get; }

    public byte[] Rtmr1 { get; }

    public byte[] Rtmr2 { get; }

    public Hash32 AgentDigest { get; }

    /// <summary>Setting name → value, sorted by the UTF-8 bytes of the name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>keccak256(abi.encode(profile)).</summary>
    public Hash32 Id { get; }

    internal MeasurementProfile ToStruct() => new()
    {
        Name = Name,
        MrTd = MrTd,
        Rtmr0 = Rtmr0,
        Rtmr1 = Rtmr1,
        Rtmr2 = Rtmr2,
        AgentDigest = AgentDigest.ToArray(),
        SettingNames = [.. Settings.Select(s => s.Key)],
        SettingValues = [.. Settings.Select(s => s.Value)],
    };

    internal static MeasurementProfileEntry FromStruct(MeasurementProfile p)
    {
        if (p.SettingNames.Count != p.SettingValues.Count)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, "The registry returned a measurement profile with unpaired settings.");
        }

        return new MeasurementProfileEntry(
            p.Name, p.MrTd, p.Rtmr0, p.Rtmr1, p.Rtmr2, new Hash32(p.AgentDigest),
            p.SettingNames.Select((n, i) => new KeyValuePair<string, string>(n, p.SettingValues[i])));
    }

    private static void Check(bool ok, string field)
    {
        if (!ok)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"Invalid measurement profile: field '{field}' (48-byte measurements, non-zero agent digest, at most {MaxSettings} settings with unique non-empty names, strings of at most {MaxStringLength} bytes).");
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
