using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Chain;

/// <summary>The chain library's ActivitySource and Meter (both named "PhalaWorker.Chain"); exporters are configured by the Agent.</summary>
internal static class ChainTelemetry
{
    public const string Name = "PhalaWorker.Chain";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>JSON-RPC round trips in seconds, tagged with the method and outcome.</summary>
    public static readonly Histogram<double> RpcDuration = Meter.CreateHistogram<double>("phala_worker.chain.rpc.duration", "s", "JSON-RPC round-trip time");

    /// <summary>Signed transactions broadcast (first sends and re-broadcasts), tagged with whether it was the first.</summary>
    public static readonly Counter<long> TransactionsBroadcast = Meter.CreateCounter<long>("phala_worker.chain.transactions.broadcast", "{transaction}", "Transactions broadcast");

    /// <summary>Gas used by the confirmed transactions this node sent, tagged with whether they succeeded.</summary>
    public static readonly Counter<long> GasUsed = Meter.CreateCounter<long>("phala_worker.chain.gas.used", "{gas}", "Gas used by confirmed transactions");
}
