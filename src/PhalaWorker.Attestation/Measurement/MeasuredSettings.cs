using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace PhalaWorker.Attestation.Measurement;

/// <summary>
/// The security-relevant settings the agent measures into RTMR3, one <c>setting</c> event each (<c>name=value</c>, UTF-8),
/// in the order of <see cref="Names"/>: everything that changes what a host could learn or how strictly the node behaves.
/// One definition for the agent (which measures its effective configuration) and <c>phala-worker measurements show</c>
/// (which prints a build's reference values from the defaults and <c>--setting name=value</c> overrides). The defaults
/// here equal the options classes' defaults (a test checks it).
/// </summary>
public static class MeasuredSettings
{
    /// <summary>The resolved TEE mode: <c>configfs-tsm</c>, <c>tdx-guest</c> or <c>emulated</c>.</summary>
    public const string Tee = "attestation.tee";

    /// <summary><c>Attestation:GpuEvidence</c>: <c>none</c> or <c>emulated</c>.</summary>
    public const string GpuEvidence = "attestation.gpu-evidence";

    /// <summary>
    /// The GPU attestation policy the node gates its own GPUs with (<c>Attestation:GpuPolicy</c>): <c>strict</c> when unset,
    /// else <see cref="GpuPolicyValue"/> of the policy file as loaded (<c>sha256:</c> of its canonical JSON).
    /// </summary>
    public const string GpuPolicy = "attestation.gpu-policy";

    /// <summary>The <see cref="GpuPolicy"/> value when no policy file is configured.</summary>
    public const string StrictGpuPolicy = "strict";

    /// <summary><c>Attestation:ExtendHardwareRtmr</c>: <c>true</c> or <c>false</c>.</summary>
    public const string ExtendHardwareRtmr = "attestation.extend-hardware-rtmr";

    /// <summary>The resolved compute backend: <c>cpu</c>, <c>ilgpu-cpu</c> or <c>cuda</c>.</summary>
    public const string ComputeBackend = "compute.backend";

    /// <summary><c>Compute:ModelCacheEntries</c> (0 = the model cache is off).</summary>
    public const string ModelCacheEntries = "compute.model-cache-entries";

    /// <summary><c>Compute:ModelCacheMaxBytes</c>.</summary>
    public const string ModelCacheMaxBytes = "compute.model-cache-max-bytes";

    /// <summary><c>Compute:MaxModelBytes</c>.</summary>
    public const string MaxModelBytes = "compute.max-model-bytes";

    /// <summary><c>Compute:MaxTensorElements</c>.</summary>
    public const string MaxTensorElements = "compute.max-tensor-elements";

    /// <summary><c>Compute:MaxPlannedMemoryBytes</c>.</summary>
    public const string MaxPlannedMemoryBytes = "compute.max-planned-memory-bytes";

    /// <summary><c>Compute:MaxNodes</c>.</summary>
    public const string MaxNodes = "compute.max-nodes";

    /// <summary>The most verbose level configured anywhere under <c>Logging</c> (Trace … None).</summary>
    public const string LogLevel = "logging.min-level";

    /// <summary><c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>none</c>: where traces and metrics go.</summary>
    public const string TelemetryEndpoint = "telemetry.otlp-endpoint";

    /// <summary>
    /// TLS of the gRPC listener (<c>Agent:TlsMode</c>): <c>ra-tls</c> (the default: a TD-born key bound in report_data) or
    /// <c>plaintext</c> (h2c; default clients refuse such a node).
    /// </summary>
    public const string TlsMode = "tls.mode";

    /// <summary>The host environment name (<c>Development</c> turns on detailed gRPC errors).</summary>
    public const string Environment = "agent.environment";

    /// <summary><c>Agent:MaxMessageBytes</c>.</summary>
    public const string MaxMessageBytes = "agent.max-message-bytes";

    /// <summary><c>Agent:MaxQueuedJobs</c>.</summary>
    public const string MaxQueuedJobs = "agent.max-queued-jobs";

    /// <summary>The journal's SQLite <c>synchronous</c> mode (durability of accepted jobs).</summary>
    public const string JournalSynchronous = "journal.synchronous";

    /// <summary>The journal's SQLite synchronous mode by default (<c>Agent:JournalDurability</c> <c>Strict</c>; <c>Process</c> is <c>NORMAL</c>).</summary>
    public const string DefaultJournalSynchronous = "FULL";

    /// <summary>Every measured setting, in measurement order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        Tee, GpuEvidence, GpuPolicy, ExtendHardwareRtmr, ComputeBackend, ModelCacheEntries, ModelCacheMaxBytes, MaxModelBytes, MaxTensorElements,
        MaxPlannedMemoryBytes, MaxNodes, LogLevel, TelemetryEndpoint, TlsMode, Environment, MaxMessageBytes, MaxQueuedJobs, JournalSynchronous,
    ];

    private static readonly string[] LevelOrder = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"];

    /// <summary>
    /// The measured settings of a configuration: each value as the agent runs with it (configured, else the default).
    /// <paramref name="resolvedTee"/> and <paramref name="resolvedBackend"/> are what the agent actually selected;
    /// <paramref name="resolvedGpuPolicy"/> is the <see cref="GpuPolicyValue"/> of the GPU policy the agent loaded, when it
    /// loaded one (null reads <c>Attestation:GpuPolicy</c> from the configuration and loads that file).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Collect(IConfiguration configuration, string environmentName, string resolvedTee, string resolvedBackend,
        string? resolvedGpuPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(environmentName);
        ArgumentException.ThrowIfNullOrEmpty(resolvedTee);
        ArgumentException.ThrowIfNullOrEmpty(resolvedBackend);
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        return
        [
            new(Tee, resolvedTee),
            new(GpuEvidence, Text(configuration, "Attestation:GpuEvidence", "none")),
            new(GpuPolicy, resolvedGpuPolicy ?? ConfiguredGpuPolicy(configuration)),
            new(ExtendHardwareRtmr, Boolean(configuration, "Attestation:ExtendHardwareRtmr", true)),
            new(ComputeBackend, resolvedBackend),
            new(ModelCacheEntries, Number(configuration, "Compute:ModelCacheEntries", 4)),
            new(ModelCacheMaxBytes, Number(configuration, "Compute:ModelCacheMaxBytes", 1L * 1024 * 1024 * 1024)),
            new(MaxModelBytes, Number(configuration, "Compute:MaxModelBytes", 256L * 1024 * 1024)),
            new(MaxTensorElements, Number(configuration, "Compute:MaxTensorElements", 64L * 1024 * 1024)),
            new(MaxPlannedMemoryBytes, Number(configuration, "Compute:MaxPlannedMemoryBytes", 2L * 1024 * 1024 * 1024)),
            new(MaxNodes, Number(configuration, "Compute:MaxNodes", 10_000)),
            new(LogLevel, MostVerboseLevel(configuration)),
            new(TelemetryEndpoint, string.IsNullOrWhiteSpace(otlp) ? "none" : otlp.Trim()),
            new(TlsMode, Text(configuration, "Agent:TlsMode", Binding.RaTlsBinding.RaTlsMode)),
            new(Environment, environmentName),
            new(MaxMessageBytes, Number(configuration, "Agent:MaxMessageBytes", 64L * 1024 * 1024)),
            new(MaxQueuedJobs, Number(configuration, "Agent:MaxQueuedJobs", 64)),
            new(JournalSynchronous, JournalSynchronousMode(configuration["Agent:JournalDurability"])),
        ];
    }

    /// <summary>
    /// The measured value of a GPU attestation policy: <c>sha256:</c> and the lowercase hex SHA-256 of its canonical JSON
    /// (<see cref="Gpu.Policy.GpuAttestationPolicy.ToJson"/>), so that formatting of the file does not matter.
    /// </summary>
    public static string GpuPolicyValue(Gpu.Policy.GpuAttestationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(policy.ToJson())));
    }

    // Agent:JournalDurability binds as the options binder reads an enum (name in any case, or its number): Process (1) is NORMAL.
    private static string JournalSynchronousMode(string? durability) =>
        durability?.Trim() is { } value && (string.Equals(value, "Process", StringComparison.OrdinalIgnoreCase) || value == "1") ? "NORMAL" : DefaultJournalSynchronous;

    /// <summary>The <c>setting</c> event payload: <c>name=value</c>.</summary>
    public static string Format(string name, string value) => name + "=" + value;

    /// <summary>Splits a <c>setting</c> event payload; false when it is not <c>name=value</c> with a valid name.</summary>
    public static bool TryParse(string payload, out string name, out string value)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var split = payload.IndexOf('=', StringComparison.Ordinal);
        name = split > 0 ? payload[..split] : "";
        value = split > 0 ? payload[(split + 1)..] : "";
        return split > 0 && IsValidName(name);
    }

    /// <summary>Setting names are lowercase ASCII letters, digits, '.', '-' and '_'.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_');

    private static string Text(IConfiguration configuration, string key, string fallback)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();
    }

    // A policy file that does not load is measured as such (the agent refuses to start on it when it uses it).
    private static string ConfiguredGpuPolicy(IConfiguration configuration)
    {
        var path = configuration["Attestation:GpuPolicy"];
        if (string.IsNullOrWhiteSpace(path))
        {
            return StrictGpuPolicy;
        }

        try
        {
            return GpuPolicyValue(Gpu.Policy.GpuAttestationPolicy.Load(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AttestationException or System.Text.Json.JsonException or ArgumentException)
        {
            return "unloadable";
        }
    }

    private static string Boolean(IConfiguration configuration, string key, bool fallback) =>
        bool.TryParse(configuration[key], out var parsed) ? (parsed ? "true" : "false") : (fallback ? "true" : "false");

    // Numbers are measured as the options binder reads them (so "064" and "64" measure alike); text that does not parse
    // is measured verbatim (the agent then refuses to start on option validation anyway).
    private static string Number(IConfiguration configuration, string key, long fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback.ToString(CultureInfo.InvariantCulture);
        }

        return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed.ToString(CultureInfo.InvariantCulture) : value;
    }

    private static string MostVerboseLevel(IConfiguration configuration)
    {
        var most = Array.IndexOf(LevelOrder, "Information");
        var any = false;
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            if (value is null || !key.Contains(":LogLevel:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var index = Array.FindIndex(LevelOrder, l => string.Equals(l, value.Trim(), StringComparison.OrdinalIgnoreCase));
            index = index < 0 ? 0 : index; // an unknown level is measured as the most verbose one: fail towards strict
            most = any ? Math.Min(most, index) : index;
            any = true;
        }

        return LevelOrder[most];
    }
}
