using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Health;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Registry;

/// <summary>
/// The registration/heartbeat loop on a <see cref="FakeTimeProvider"/> against a scripted chain (the edge): a chain down at
/// start (the host starts at once, readiness says why, attempts back off exponentially up to the cap), an attempt that hangs,
/// a registration no retry can fix, heartbeat failure and recovery, and a stop while still retrying.
/// </summary>
public sealed class RegistrationHeartbeatTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Hash32 RegisterTx = new(Enumerable.Repeat((byte)0xab, 32).ToArray());

    [Test]
    public async Task StartAsync_ChainDown_ReturnsAtOnceAndRetriesUntilTheChainAnswersAsync()
    {
        await using var harness = new Harness(failures: 5);

        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(harness.Chain.IsSettled, Is.False, "StartAsync must not wait for the chain");
        var down = await harness.WaitForReadinessAsync(d => !d.Ready && d.Detail.StartsWith("chain unreachable", StringComparison.Ordinal));
        Assert.That(down.Detail, Does.Match(@"^chain unreachable: HttpRequestException: Connection refused, retrying in [0-9.]+m?s$"));

        await harness.AdvanceUntilAsync(() => harness.Chain.IsSettled);

        var up = await harness.WaitForReadinessAsync(d => d.Ready);
        Assert.That(up.Detail, Is.EqualTo("registration reached the chain"));
        Assert.That(harness.Fake.RegisterCalls, Is.EqualTo(6));
        Assert.That(harness.Chain.ChainId, Is.EqualTo(31337UL));
        Assert.That(harness.Chain.RegisterTransaction, Is.EqualTo(RegisterTx));
        Assert.That(harness.Logs.GetSnapshot().Count(r => r.Id.Id == 5068), Is.EqualTo(5), "one warning per failed attempt");
        LogAssert.VerifyNoErrors(harness.Logs);
    }

    [Test]
    public async Task Retry_ManyFailures_WaitsGrowButNeverPassTheCapAsync()
    {
        await using var harness = new Harness(failures: 12, initial: TimeSpan.FromSeconds(1), max: TimeSpan.FromSeconds(8));

        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();
        await harness.AdvanceUntilAsync(() => harness.Chain.IsSettled, step: TimeSpan.FromMilliseconds(100));

        var gaps = harness.Fake.AttemptTimes.Zip(harness.Fake.AttemptTimes.Skip(1), (a, b) => b - a).ToList();
        Assert.That(gaps, Has.Count.EqualTo(12));
        Assert.That(gaps, Has.All.LessThanOrEqualTo(TimeSpan.FromSeconds(8) + TimeSpan.FromMilliseconds(100)), "the cap holds");
        Assert.That(gaps, Has.All.GreaterThan(TimeSpan.Zero));
        Assert.That(gaps.Skip(6).Average(g => g.TotalSeconds), Is.GreaterThan(gaps.Take(2).Average(g => g.TotalSeconds)), "later waits are longer (exponential)");
    }

    [Test]
    public async Task Retry_AttemptHangs_TimesOutAndRetriesAsync()
    {
        await using var harness = new Harness(failures: 0, hangFirst: true, attemptTimeout: TimeSpan.FromSeconds(5));

        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();
        await harness.AdvanceUntilAsync(() => harness.Chain.IsSettled);

        var retries = harness.Logs.GetSnapshot().Where(r => r.Id.Id == 5068).ToList();
        Assert.That(retries, Has.Count.EqualTo(1));
        Assert.That(retries[0].Message, Does.Contain("TimeoutRejectedException"));
        Assert.That(harness.Fake.ChainIdCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task Register_NotTransient_StopsWithTheChainExitCodeAsync()
    {
        await using var harness = new Harness(failures: 0, fatal: new InvalidOperationException("Chain:ChainId is 5 but the RPC serves chain 31337"));

        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();
#pragma warning disable VSTHRD003 // the service's own background task, started by StartAsync above
        await harness.Service.ExecuteTask!.DefaultTimeout();
#pragma warning restore VSTHRD003

        var failure = harness.Fault.Current;
        Assert.That(harness.Lifetime.ApplicationStopping.IsCancellationRequested, Is.True, "the host is stopped");
        Assert.That(failure, Is.Not.Null);
        Assert.That(failure!.Reason, Is.EqualTo(AgentExitCode.Chain));
        Assert.That(failure.Message, Does.Contain("Chain:ChainId is 5"));
        Assert.That(harness.Fake.ChainIdCalls, Is.EqualTo(1), "no retry");
        Assert.That(harness.Chain.IsSettled, Is.False);
        Assert.That(harness.Readiness.TryGet(ReadinessInput.ChainReachable, out var ready, out var detail) && !ready && detail.StartsWith("registration refused", StringComparison.Ordinal), Is.True);
    }

    [Test]
    public async Task Retry_TransientJsonRpcError_IsRetriedButAPermanentOneIsNotAsync()
    {
        using var stopping = new CancellationTokenSource();
        Assert.That(RegistrationHeartbeat.IsTransient(new JsonRpcException(JsonRpcErrorKind.Transport, "eth_chainId", "refused"), stopping.Token), Is.True);
        Assert.That(RegistrationHeartbeat.IsTransient(new JsonRpcException(JsonRpcErrorKind.MalformedResponse, "eth_chainId", "garbage"), stopping.Token), Is.False);
        Assert.That(RegistrationHeartbeat.IsTransient(new TaskCanceledException("HttpClient timeout"), stopping.Token), Is.True);
        await stopping.CancelAsync();
        Assert.That(RegistrationHeartbeat.IsTransient(new OperationCanceledException(stopping.Token), stopping.Token), Is.False, "a stop is not retried");
    }

    [Test]
    public async Task Heartbeat_FailsThenRecovers_ReadinessFollowsAsync()
    {
        await using var harness = new Harness(failures: 0, heartbeatFailures: 1);
        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();
        await harness.AdvanceUntilAsync(() => harness.Chain.IsSettled);

        var failed = await harness.AdvanceUntilReadinessAsync(d => !d.Ready && d.Detail.StartsWith("heartbeat", StringComparison.Ordinal));
        var recovered = await harness.AdvanceUntilReadinessAsync(d => d.Ready && d.Detail.StartsWith("heartbeat 0x", StringComparison.Ordinal));

        Assert.That(failed.Detail, Is.EqualTo("heartbeat failed: HttpRequestException: Connection refused"));
        Assert.That(recovered.Detail, Is.EqualTo("heartbeat " + RegisterTx));
        Assert.That(harness.Fake.HeartbeatCalls, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task StopAsync_WhileRetrying_StopsCleanlyUnregisteredAsync()
    {
        await using var harness = new Harness(failures: int.MaxValue);
        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();
        await harness.WaitForReadinessAsync(d => !d.Ready && d.Detail.StartsWith("chain unreachable", StringComparison.Ordinal));

        await harness.Service.StopAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(harness.Service.ExecuteTask!.IsCompletedSuccessfully, Is.True);
        Assert.That(harness.Chain.IsSettled, Is.False);
        LogAssert.VerifyNoErrors(harness.Logs);
    }

    [Test]
    public async Task StartAsync_NoChain_SettlesFromConfigurationAsync()
    {
        await using var harness = new Harness(failures: 0, rpcUrl: null);

        await harness.Service.StartAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(harness.Chain.IsSettled, Is.True);
        Assert.That(harness.Chain.Enabled, Is.False);
        Assert.That(harness.Fake.ChainIdCalls, Is.Zero);
    }

    [TestCase(250, "250ms")]
    [TestCase(8000, "8s")]
    [TestCase(1500, "1.5s")]
    public void FormatDelay_ReadsLikeAPerson_Writes(int milliseconds, string expected) =>
        Assert.That(RegistrationHeartbeat.FormatDelay(TimeSpan.FromMilliseconds(milliseconds)), Is.EqualTo(expected));

    /// <summary>A chain that fails the first N registration attempts (chain id calls), optionally hangs once or fails for good.</summary>
    private sealed class ScriptedChain(FakeTimeProvider clock, int failures, bool hangFirst, Exception? fatal, int heartbeatFailures) : IRegistrationChain
    {
        private int _failuresLeft = failures;
        private bool _hang = hangFirst;
        private int _heartbeatFailuresLeft = heartbeatFailures;

        public List<DateTimeOffset> AttemptTimes { get; } = [];

        public int ChainIdCalls { get; private set; }

        public int RegisterCalls { get; private set; }

        public int HeartbeatCalls { get; private set; }

        public async Task<ulong> GetChainIdAsync(CancellationToken cancellationToken)
        {
            ChainIdCalls++;
            AttemptTimes.Add(clock.GetUtcNow());
            if (fatal is not null)
            {
                throw fatal;
            }

            if (_hang)
            {
                _hang = false;
                await Task.Delay(Timeout.InfiniteTimeSpan, clock, cancellationToken);
            }

            return 31337;
        }

        public Task<Hash32> RegisterAsync(NodeAttestation attestation, string endpoint, CancellationToken cancellationToken)
        {
            RegisterCalls++;
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                throw new HttpRequestException("Connection refused");
            }

            return Task.FromResult(RegisterTx);
        }

        public Task<Hash32> HeartbeatAsync(NodeAttestation attestation, CancellationToken cancellationToken)
        {
            HeartbeatCalls++;
            if (_heartbeatFailuresLeft > 0)
            {
                _heartbeatFailuresLeft--;
                throw new HttpRequestException("Connection refused");
            }

            return Task.FromResult(RegisterTx);
        }
    }

    private sealed class Harness : IAsyncDisposable
    {
        private readonly NodeContext _node = new();

        public Harness(int failures, TimeSpan? initial = null, TimeSpan? max = null, bool hangFirst = false, TimeSpan? attemptTimeout = null,
            Exception? fatal = null, int heartbeatFailures = 0, string? rpcUrl = "http://127.0.0.1:1")
        {
            Clock = new FakeTimeProvider(Start);
            Fake = new ScriptedChain(Clock, failures, hangFirst, fatal, heartbeatFailures);
            var identity = NodeIdentity.Generate();
            _node.Set(new NodeAttestation(identity, new EthSigner(identity.GetSigningKey()), [1, 2, 3], new byte[64], new AttestationBundle(), "test"));
            var chain = new ChainOptions { RpcUrl = rpcUrl is null ? null : new Uri(rpcUrl), RegistryAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
            var registry = new RegistryOptions
            {
                HeartbeatPeriod = TimeSpan.FromMinutes(1),
                OperatorKey = "0x" + new string('1', 64),
                RetryInitialDelay = initial ?? TimeSpan.FromSeconds(1),
                RetryMaxDelay = max ?? TimeSpan.FromSeconds(8),
                AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(30),
            };
            var agent = new AgentOptions();
            Logs = new FakeLogCollector();
            Lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
            Fault = new AgentFault(Lifetime);
            Service = new RegistrationHeartbeat(_node, Chain, Fake, Readiness, Fault, Options.Create(agent), Options.Create(registry), Options.Create(chain), Clock,
                new FakeLogger<RegistrationHeartbeat>(Logs));
        }

        public FakeTimeProvider Clock { get; }

        public ApplicationLifetime Lifetime { get; }

        public AgentFault Fault { get; }

        public ScriptedChain Fake { get; }

        public ChainBinding Chain { get; } = new();

        public ReadinessSignals Readiness { get; } = new();

        public FakeLogCollector Logs { get; }

        public RegistrationHeartbeat Service { get; }

        /// <summary>Advances the fake clock in steps (letting the loop run between them) until the condition holds.</summary>
        public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan? step = null)
        {
            var deadline = Environment.TickCount64 + (long)TaskTimeoutExtensions.DefaultTimeoutSpan.TotalMilliseconds;
            while (!condition())
            {
                if (Environment.TickCount64 > deadline)
                {
                    Readiness.TryGet(ReadinessInput.ChainReachable, out var ready, out var detail);
                    Assert.Fail($"timed out at fake time {Clock.GetUtcNow():O}: readiness {ready} '{detail}', {Fake.ChainIdCalls} attempt(s), service {Service.ExecuteTask?.Status}");
                }

                await Task.Delay(2);
                Clock.Advance(step ?? TimeSpan.FromMilliseconds(500));
            }
        }

        public async Task<(bool Ready, string Detail)> AdvanceUntilReadinessAsync(Func<(bool Ready, string Detail), bool> condition)
        {
            (bool, string) last = default;
            await AdvanceUntilAsync(() => Readiness.TryGet(ReadinessInput.ChainReachable, out var ready, out var detail) && condition(last = (ready, detail)), TimeSpan.FromSeconds(5));
            return last;
        }

        public async Task<(bool Ready, string Detail)> WaitForReadinessAsync(Func<(bool Ready, string Detail), bool> condition)
        {
            using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
            while (true)
            {
                if (Readiness.TryGet(ReadinessInput.ChainReachable, out var ready, out var detail) && condition((ready, detail)))
                {
                    return (ready, detail);
                }

                await Task.Delay(5, timeout.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Service.StopAsync(CancellationToken.None);
            Service.Dispose();
            _node.Dispose();
        }
    }
}
