using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>Intel TCB status strings (TCB info / QE identity / TDX module TCB levels), ordered from best to worst.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TcbStatus>))]
public enum TcbStatus
{
    UpToDate = 0,
    SWHardeningNeeded = 1,
    ConfigurationNeeded = 2,
    ConfigurationAndSWHardeningNeeded = 3,
    OutOfDate = 4,
    OutOfDateConfigurationNeeded = 5,
    Revoked = 6,
}
