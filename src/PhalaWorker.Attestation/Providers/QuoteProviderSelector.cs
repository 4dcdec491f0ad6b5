using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Native;

namespace PhalaWorker.Attestation.Providers;

/// <summary>
/// Chooses the quote provider at start from <see cref="AttestationOptions.Tee"/>: <c>auto</c> tries configfs-tsm, then
/// /dev/tdx_guest, and fails closed (a <see cref="TeeProviderException"/> listing what was tried) when neither can produce quotes;
/// emulation is used only when asked for explicitly, and is logged loudly.
/// </summary>
public sealed class QuoteProviderSelector
{
    private readonly AttestationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    /// <summary>Creates the selector.</summary>
    public QuoteProviderSelector(IOptions<AttestationOptions> options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<QuoteProviderSelector>();
    }

    /// <summary>Selects and wires the provider; throws <see cref="TeeProviderException"/> when the configured TEE is unusable.</summary>
    public TeeSelection Select()
    {
        var mode = TeeModeNames.Parse(_options.Tee);
        var modeName = TeeModeNames.ToName(mode);
        var failures = new List<string>();

        if (mode == TeeMode.Emulated)
        {
            return SelectEmulated(mode);
        }

        if (mode is TeeMode.Auto or TeeMode.ConfigFsTsm)
        {
            var provider = new ConfigFsTsmQuoteProvider(_options.ConfigFsTsmRoot, _loggerFactory.CreateLogger<ConfigFsTsmQuoteProvider>())
            {
                MaxAttempts = _options.QuoteAttempts,
            };
            if (TryProbe(provider.Name, provider.Probe, failures))
            {
                return Selected(mode, provider);
            }
        }

        if (mode is TeeMode.Auto or TeeMode.TdxGuest)
        {
            var provider = new TdxGuestQuoteProvider(_options.TdxGuestDevice, _loggerFactory.CreateLogger<TdxGuestQuoteProvider>());
            if (TryProbe(provider.Name, provider.Probe, failures))
            {
                // The device answers, but a TDREPORT is not a quote (see TdxGuestQuoteProvider): failing closed beats starting
                // an agent that cannot attest.
                failures.Add($"{provider.Name}: {provider.DevicePath} works (TDREPORT) but {TdxGuestQuoteProvider.QuoteNotSupportedMessage}");
                AttestationLog.ProviderUnavailable(_logger, provider.Name, failures[^1]);
            }
        }

        var reason = string.Join("; ", failures);
        AttestationLog.NoProvider(_logger, modeName, reason);
        throw new TeeProviderException(
            TeeErrorReason.NotAvailable,
            $"No usable TEE for mode '{modeName}': {reason}. Run inside an Intel TDX VM with configfs-tsm, or set Attestation:Tee=emulated (--tee emulated) to use the emulated TEE explicitly.");
    }

    private bool TryProbe(string name, Action probe, List<string> failures)
    {
        try
        {
            probe();
            return true;
        }
        catch (TeeProviderException ex)
        {
            failures.Add($"{name}: {ex.Message}");
            AttestationLog.ProviderUnavailable(_logger, name, ex.Message);
            return false;
        }
    }

    private TeeSelection Selected(TeeMode mode, IQuoteProvider provider)
    {
        IRtmrExtender? extender = _options.ExtendHardwareRtmr ? new ShimRtmrExtender(_options.MeasurementsDirectory) : null;
        var eventLog = new RtmrEventLog(RtmrEventLog.AgentRtmrIndex, extender, _loggerFactory.CreateLogger<RtmrEventLog>());
        AttestationLog.ProviderSelected(_logger, provider.Name, TeeModeNames.ToName(mode));
        return new TeeSelection(mode, provider, eventLog, EmulatedTee: null);
    }

    private TeeSelection SelectEmulated(TeeMode mode)
    {
        var issuedAt = _options.EmulationIssuedAt ?? _timeProvider.GetUtcNow();
        var tee = string.IsNullOrEmpty(_options.EmulationSeed)
            ? EmulatedTee.CreateRandom(_timeProvider, collateralValidity: _options.EmulatedCollateralValidity)
            : EmulatedTee.FromSeed(Convert.FromHexString(_options.EmulationSeed), issuedAt, collateralValidity: _options.EmulatedCollateralValidity);
        var eventLog = new RtmrEventLog(RtmrEventLog.AgentRtmrIndex, extender: null, _loggerFactory.CreateLogger<RtmrEventLog>());
        var provider = new EmulatedQuoteProvider(tee, eventLog: eventLog, logger: _loggerFactory.CreateLogger<EmulatedQuoteProvider>());
        AttestationLog.EmulatedTeeActive(_logger, EmulatedTee.RootCaName, Convert.ToHexStringLower(SHA256.HashData(tee.EmulatedRootCertificateDer)));
        AttestationLog.ProviderSelected(_logger, provider.Name, TeeModeNames.ToName(mode));
        return new TeeSelection(mode, provider, eventLog, tee);
    }
}
