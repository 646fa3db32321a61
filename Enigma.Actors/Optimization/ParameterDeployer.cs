using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Messaging;
using Enigma.Actors.Serialization;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Metrics;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Optimization;

/// <summary>What the walk-forward that chose a deployed version saw out of sample (from its evidence file).</summary>
/// <summary>
/// A deployed version for one symbol, to the risk portfolio: it takes the risk part at the symbol's next safe point
/// (no position open and no entry pending) and answers <see cref="ParametersAtSafePoint"/>.
/// </summary>
public sealed record DeployParameters(string Symbol, int Version, string Run, SignalParameters Signal, RiskParameters Risk, BacktestExpectation Expected) : IClusterMessage;

public sealed record ParametersAtSafePoint(string Symbol, int Version) : IClusterMessage;

/// <summary>The Signal entity of <see cref="Symbol"/> rebuilds its engine with these parameters from the candles it kept.</summary>
public sealed record ApplySignalParameters(string Symbol, int Version, SignalParameters Parameters) : IClusterMessage;

/// <summary>Published on <c>parameters.deployed</c> once a version trades: the Audit agent measures live against <see cref="Expected"/>.</summary>
public sealed record ParametersDeployed(string Symbol, int Version, string Run, BacktestExpectation Expected, long AtMs) : IClusterMessage;

/// <summary>
/// The last step of the seed's loop on a running cluster (a singleton beside the orchestrator): it watches the
/// knowledge bank's <c>model-weights/signal-score/SYMBOL/</c> for a new version (written by <c>enigma optimize</c>
/// only when every deployment gate passed), hands it to the risk portfolio, which applies it at the symbol's next
/// safe point (no position open, no entry in flight), then gives the Signal entity its new parameters and announces
/// the deployment on the bus, where the Audit agent starts measuring live trades against the backtest's evidence. A
/// version that cannot be read is logged once and left alone; the one trading keeps trading.
/// </summary>
public sealed class ParameterDeployer : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _root;
    private readonly IReadOnlyList<string> _symbols;
    private readonly IActorRef _portfolio;
    private readonly IActorRef _signalRegion;
    private readonly IActorRef _bus;
    private readonly SignalParameters _signalBase;
    private readonly RiskParameters _riskBase;
    private readonly TimeSpan _pollEvery;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeployParameters> _waiting = new(StringComparer.Ordinal);
    private bool _scanning;

    public ParameterDeployer(string root, IReadOnlyList<string> symbols, IActorRef portfolio, IActorRef signalRegion, IActorRef bus, SignalParameters signalBase, RiskParameters riskBase, TimeSpan pollEvery, TimeProvider time)
    {
        (_root, _symbols, _portfolio, _signalRegion, _bus, _signalBase, _riskBase, _pollEvery, _time) = (root, symbols, portfolio, signalRegion, bus, signalBase, riskBase, pollEvery, time);
        Receive<Scan>(_ => StartScan());
        Receive<Scanned>(OnScanned);
        Receive<ParametersAtSafePoint>(OnSafePoint);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string root, IReadOnlyList<string> symbols, IActorRef portfolio, IActorRef signalRegion, IActorRef bus, SignalParameters signalBase, RiskParameters riskBase, TimeSpan pollEvery, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new ParameterDeployer(root, symbols, portfolio, signalRegion, bus, signalBase, riskBase, pollEvery, time));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("scan", Scan.Instance, TimeSpan.Zero, _pollEvery);
    }

    private void StartScan()
    {
        if (_scanning)
        {
            return;
        }

        _scanning = true;
        var (root, symbols) = (_root, _symbols);

        // Reading files is I/O: on the thread pool, the result back here as a message.
        Task.Run(() => new Scanned([.. symbols.Select(symbol => Read(root, symbol))])).PipeTo(Self);
    }

    private static Found Read(string root, string symbol)
    {
        try
        {
            return ModelWeights.Latest(root, StrategyCatalog.SignalScore, symbol) is { } latest
                ? new Found(symbol, latest, Expectation(Path.ChangeExtension(latest.Path, null) + ".evidence.json"), null)
                : new Found(symbol, null, null, null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            return new Found(symbol, null, null, e.Message);
        }
    }

    /// <summary>The out-of-sample trades, win rate and net PnL per trade in the evidence (enigma optimize's summary.json).</summary>
    private static BacktestExpectation Expectation(string evidence)
    {
        if (!File.Exists(evidence))
        {
            return new BacktestExpectation(0, null, 0);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(evidence));
        var root = document.RootElement;
        var trades = root.GetProperty("outOfSample").GetProperty("trades").GetInt32();
        var net = root.GetProperty("outOfSample").GetProperty("netPnl").GetDecimal();
        double wins = 0;
        foreach (var window in root.GetProperty("windows").EnumerateArray())
        {
            if (window.TryGetProperty("test", out var test) && test.ValueKind == JsonValueKind.Object
                && test.TryGetProperty("winRate", out var rate) && rate.ValueKind == JsonValueKind.Number && test.TryGetProperty("trades", out var n))
            {
                wins += rate.GetDouble() * n.GetInt32();
            }
        }

        return new BacktestExpectation(trades, trades > 0 ? wins / trades : null, trades > 0 ? net / trades : 0);
    }

    private void OnScanned(Scanned scanned)
    {
        _scanning = false;
        foreach (var found in scanned.Found)
        {
            if (found.Error is { } error)
            {
                if (_seen.TryAdd(found.Symbol + "!" + error, 0))
                {
                    _log.Error("parameters for {0} cannot be read: {1}; the parameters trading now stay", found.Symbol, error);
                }

                continue;
            }

            if (found.Latest is not { } latest || _seen.GetValueOrDefault(found.Symbol) >= latest.Version)
            {
                continue;
            }

            _seen[found.Symbol] = latest.Version;
            try
            {
                var (signal, risk) = StrategyCatalog.SignalScoreParameters(latest.Parameters.Values, _signalBase, _riskBase);
                var deploy = new DeployParameters(found.Symbol, latest.Version, latest.Run, signal, risk, found.Expected ?? new BacktestExpectation(0, null, 0));
                _waiting[found.Symbol] = deploy;
                _portfolio.Tell(deploy);
                _log.Info("parameters v{0} for {1} ({2}) wait for the symbol's next safe point (no position, no entry in flight)", latest.Version, found.Symbol, latest.Parameters.Key);
            }
            catch (ArgumentException e)
            {
                _log.Error("parameters v{0} for {1} ({2}) are not valid: {3}; the parameters trading now stay", latest.Version, found.Symbol, latest.Path, e.Message);
            }
        }
    }

    private void OnSafePoint(ParametersAtSafePoint safe)
    {
        if (!_waiting.Remove(safe.Symbol, out var deploy) || deploy.Version != safe.Version)
        {
            return;
        }

        _signalRegion.Tell(new ShardingEnvelope(deploy.Symbol, new ApplySignalParameters(deploy.Symbol, deploy.Version, deploy.Signal)));
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _bus.Tell(new Publish(Topics.ParametersDeployed, AgentEnvelope.Event(Agents.Optimizer, Topics.ParametersDeployed,
            new ParametersDeployed(deploy.Symbol, deploy.Version, deploy.Run, deploy.Expected, now), now)));
        _log.Info(string.Create(CultureInfo.InvariantCulture, $"parameters v{deploy.Version} now trade {deploy.Symbol}"));
    }

    private sealed record Scan
    {
        public static Scan Instance { get; } = new();
    }

    private sealed record Found(string Symbol, DeployedParameters? Latest, BacktestExpectation? Expected, string? Error);

    private sealed record Scanned(IReadOnlyList<Found> Found);
}
