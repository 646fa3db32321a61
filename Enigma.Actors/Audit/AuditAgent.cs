using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Actors.Serialization;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Metrics;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using HdrHistogram;

namespace Enigma.Actors.Audit;

public sealed record AuditSettings
{
    /// <summary>How often the invariants are checked (the seed: every tick).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The market-data WebSocket may be down this long before it is an emergency (the seed: 60 s).</summary>
    public TimeSpan WebSocketDownLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The link's heartbeat (any frame, pongs included) may be silent this long (the seed's HEARTBEAT_TIMEOUT).</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where the audit trail (one JSON line per decision, a file per UTC day) and post-mortems go; null keeps them in the log only.</summary>
    public string? Directory { get; init; }
}

/// <summary>Startup step 3: the invariants that can be known before trading (credentials, key permissions, balance).</summary>
public sealed record RunAuditPreChecks : IClusterMessage
{
    public static RunAuditPreChecks Instance { get; } = new();
}

public sealed record AuditPreChecked(IReadOnlyList<InvariantViolation> Violations) : IClusterMessage;

public sealed record GetAuditReport : IClusterMessage
{
    public static GetAuditReport Instance { get; } = new();
}

/// <summary>Latency figures in milliseconds (HdrHistogram): from a signal on the bus to its entry order written and sent.</summary>
public sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max);

/// <summary>What the Audit agent knows: the seed's metrics, fill quality, latency, and the invariants now broken.</summary>
public sealed record AuditReport(
    TradingMetricsReport Metrics,
    IReadOnlyList<IndicatorAccuracy> SignalAccuracy,
    FillQuality FillQuality,
    LatencySummary SignalToOrder,
    LatencySummary InvariantCycleMicros,
    IReadOnlyList<InvariantViolation> Violations,
    AuditReading? LastReading,
    long Ticks) : IClusterMessage
{
    /// <summary>The latest signal of each symbol: direction and score.</summary>
    public IReadOnlyList<SignalOutput> LatestSignals { get; init; } = [];

    /// <summary>The last few decisions, newest last: signals that asked for a trade, risk's answers, orders placed.</summary>
    public IReadOnlyList<string> RecentDecisions { get; init; } = [];

    /// <summary>The seed's MONITOR step: each deployed version's live round trips against its walk-forward's out-of-sample ones.</summary>
    public IReadOnlyList<LiveAgainstBacktest> LiveAgainstBacktest { get; init; } = [];
}

/// <summary>
/// The Audit agent: tick → probe → invariants → trigger. On every tick it reads the account and the market-data link
/// (<see cref="IAuditProbe"/>) and checks the seed's invariants against the risk portfolio's view; a violation
/// triggers the emergency stop (daily drawdown, losing streak, invalid credentials and a WebSocket down for over a
/// minute each as their own trigger, the rest as an invariant violation). Around that core it hands work to parts
/// that do one job each: the metrics and the live monitor (<see cref="LiveMetrics"/>, <see cref="LiveMonitor"/>,
/// pure, in the domain), the audit trail (<see cref="AuditTrailWriter"/>) and the post-mortem
/// (<see cref="PostMortemWriter"/>). It keeps the risk portfolio's equity and day-start equity in step with the
/// account it reads (the day's start is this agent's, so a risk portfolio that moves to another node does not forget
/// the day's drawdown).
/// <para>
/// Invariants are checked only while the system is READY, TRADING or PAUSED: during startup the links are still
/// being made (step 3 runs the checks that make sense then), and during an emergency stop the point is made.
/// </para>
/// </summary>
public sealed class AuditAgent : ReceiveActor, IWithTimers
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly IAuditProbe _probe;
    private readonly IActorRef _portfolio;
    private readonly IActorRef _orchestrator;
    private readonly RiskParameters _risk;
    private readonly AuditSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _trail;
    private readonly IActorRef _postMortem;
    private readonly LiveMetrics _metrics = new();
    private readonly LiveMonitor _monitor = new();
    private readonly LongHistogram _signalToOrderMs = new(3_600_000, 3);
    private readonly LongHistogram _cycleMicros = new(60_000_000, 3);
    private readonly List<InvariantViolation> _violations = [];
    private readonly Queue<string> _recent = new();
    private decimal _startingEquity;
    private decimal _equity;
    private decimal _dayStartEquity;
    private long _day = long.MinValue;
    private AuditReading? _reading;
    private SystemState _state = SystemState.Initializing;
    private bool _probing;
    private bool _balanceKnown;
    private long _ticks;

    public AuditAgent(IAuditProbe probe, IActorRef portfolio, IActorRef orchestrator, IActorRef bus, decimal startingEquity, RiskParameters risk, AuditSettings settings, TimeProvider time, IActorRef? executionRegion, IReadOnlyList<string> symbols)
    {
        _probe = probe;
        _portfolio = portfolio;
        _orchestrator = orchestrator;
        _risk = risk;
        _settings = settings;
        _time = time;
        _startingEquity = _equity = _dayStartEquity = startingEquity;
        _trail = Context.ActorOf(AuditTrailWriter.Props(settings.Directory, time, Context.System), "trail");
        _postMortem = Context.ActorOf(PostMortemWriter.Props(_trail, executionRegion, symbols), "post-mortem");
        foreach (var topic in Topics.For(Agents.Audit))
        {
            bus.Tell(new Subscribe(topic, Self));
        }

        Receive<SubscribeAck>(_ => { });
        Receive<SystemStateChanged>(changed =>
        {
            _state = changed.To;
            Trail("state.changed", changed);
        });
        Receive<AuditTick>(_ => Tick());
        Receive<ProbeRead>(OnRead);
        Receive<PortfolioView>(Check);
        Receive<RunAuditPreChecks>(_ => PreCheck(Sender));
        Receive<GetAuditReport>(_ => Sender.Tell(Report()));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Audit, check.SentAtMs)));
        Receive<AgentEnvelope<SignalOutput>>(e => OnSignal(e));
        Receive<AgentEnvelope<RiskRejected>>(e =>
        {
            Trail(Topics.RiskRejected, e.Payload);
            Remember($"{Clock(e.Payload.DecisionTimeMs)} {e.Payload.Symbol} risk rejected: {string.Join("; ", e.Payload.Rejections.Select(r => r.Rule))}");
        });
        Receive<AgentEnvelope<OrderPlacedOnExchange>>(e => OnOrderPlaced(e));
        Receive<AgentEnvelope<OrderFillRecorded>>(e => OnFill(e.Payload));
        Receive<AgentEnvelope<OrderFinished>>(e => Trail("order.finished", e.Payload));
        Receive<AgentEnvelope<ApprovalRefused>>(e =>
        {
            Trail("execution.refused", e.Payload);
            Remember($"{Clock(e.Payload.TimeMs)} {e.Payload.Symbol} last gate refused: {string.Join(", ", e.Payload.Codes)}");
        });
        Receive<AgentEnvelope<PositionWithoutStop>>(e =>
        {
            var breach = e.Payload;
            _log.Error("Invariant violated (position without stop): {0} {1} lots: {2}; closed at market", breach.Symbol, breach.Lots, breach.Detail);
            // Found by the Execution agent as it happens, not by the periodic check of a snapshot.
            Trail("invariant.violated", new { invariant = "PositionWithoutStop", breach });
            Remember($"{Clock(breach.TimeMs)} {breach.Symbol} position without stop for {breach.UnprotectedForMs} ms: closed at market");
        });
        Receive<AgentEnvelope<PositionOpened>>(e => OnOpened(e.Payload));
        Receive<AgentEnvelope<PositionClosed>>(e => OnClosed(e.Payload));
        Receive<AgentEnvelope<Optimization.OptimizationCompleted>>(e =>
        {
            Trail(Topics.OptimizationCompleted, e.Payload);
            Remember($"{Clock(e.Payload.AtMs)} optimisation {e.Payload.Id}: {e.Payload.Summary}");
        });
        Receive<AgentEnvelope<Optimization.ParametersDeployed>>(e =>
        {
            var deployed = e.Payload;
            _monitor.Deployed(deployed.Symbol, deployed.Version, deployed.Expected, deployed.AtMs);
            Trail(Topics.ParametersDeployed, deployed);
            Remember($"{Clock(deployed.AtMs)} {deployed.Symbol} parameters v{deployed.Version} trade now");
        });
        Receive<AgentEnvelope<EmergencyStopped>>(e => OnEmergency(e.Payload));
        Receive<AgentEnvelope<AgentHealthDegraded>>(e => Trail(Topics.HealthDegraded, e.Payload));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IAuditProbe probe, IActorRef portfolio, IActorRef orchestrator, IActorRef bus, decimal startingEquity, RiskParameters risk, AuditSettings? settings = null, TimeProvider? time = null, IActorRef? executionRegion = null, IReadOnlyList<string>? symbols = null) =>
        Akka.Actor.Props.Create(() => new AuditAgent(probe, portfolio, orchestrator, bus, startingEquity, risk, settings ?? new AuditSettings(), time ?? TimeProvider.System, executionRegion, symbols ?? Array.Empty<string>()));

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", AuditTick.Instance, _settings.TickInterval);

    protected override void PostStop()
    {
        _log.Info("Audit: {0}", Describe(Report().Metrics));
        base.PostStop();
    }

    private long WallMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ----- Invariants -------------------------------------------------------------------------------------------

    private void Tick()
    {
        if (_probing)
        {
            return;
        }

        _probing = true;
        _probe.ReadAsync(CancellationToken.None).PipeTo(Self, success: r => new ProbeRead(r, null, null), failure: e => new ProbeRead(null, e.GetBaseException().Message, null));
    }

    private void PreCheck(IActorRef replyTo)
    {
        _probe.ReadAsync(CancellationToken.None).PipeTo(Self, success: r => new ProbeRead(r, null, replyTo), failure: e => new ProbeRead(null, e.GetBaseException().Message, replyTo));
    }

    private void OnRead(ProbeRead read)
    {
        if (read.PreCheckFor is { } replyTo)
        {
            var found = new List<InvariantViolation>();
            if ((read.Failure ?? read.Reading?.ExchangeProblem) is { } unreadable)
            {
                found.Add(new InvariantViolation(Invariant.Credentials, "the exchange could not be read: " + unreadable));
            }
            else
            {
                AddReadingViolations(read.Reading!, found);
                if (read.Reading!.CredentialsProblem is null && read.Reading.AvailableBalance <= 0)
                {
                    found.Add(new InvariantViolation(Invariant.AvailableBalance, string.Create(CultureInfo.InvariantCulture, $"available balance {read.Reading.AvailableBalance} is not positive")));
                }
            }

            replyTo.Tell(new AuditPreChecked(found));
            return;
        }

        _probing = false;
        _ticks++;
        if (read.Reading is not { } reading)
        {
            // The exchange did not answer: the breaker and the WebSocket limit deal with a venue that is gone; one
            // missed read is not an emergency.
            _log.Warning("Audit could not read the exchange: {0}", read.Failure);
            return;
        }

        if (reading.ExchangeProblem is { } problem)
        {
            // The venue did not answer: the breaker and the WebSocket limit deal with a venue that is gone, so one
            // missed read is not an emergency; the link's state still counts.
            _log.Warning("Audit could not read the exchange: {0}", problem);
        }

        if (reading.CredentialsProblem is null && reading.ExchangeProblem is null)
        {
            var day = reading.ExchangeTimeMs / 86_400_000;
            if (day != _day)
            {
                _day = day;
                _dayStartEquity = reading.AccountEquity;
            }

            _equity = reading.AccountEquity;
            _balanceKnown = true;
            _portfolio.Tell(new EquityUpdated(_equity, _dayStartEquity));
        }
        else if (_reading is { } previous)
        {
            // Balances are unknown while the key is refused or the venue is silent: keep the last ones, so that only
            // the credentials or the link's invariant speaks.
            reading = reading with { AccountEquity = previous.AccountEquity, AvailableBalance = previous.AvailableBalance, ExchangeTimeMs = previous.ExchangeTimeMs };
        }
        else if (reading.ExchangeProblem is not null)
        {
            return;
        }

        _reading = reading;
        _portfolio.Tell(GetPortfolioView.Instance);
    }

    private void Check(PortfolioView view)
    {
        if (_reading is not { } reading || _state is not (SystemState.Ready or SystemState.Trading or SystemState.Paused))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        _violations.Clear();
        var now = WallMs;
        var heartbeatMs = reading.WebSocketSilentFor == TimeSpan.MaxValue ? long.MaxValue : (long)reading.WebSocketSilentFor.TotalMilliseconds;
        var snapshot = new AuditSnapshot(
            view,
            _balanceKnown ? reading.AvailableBalance : decimal.MaxValue, // never read: not this invariant's to judge
            reading.WebSocketDownFor < _settings.WebSocketDownLimit,
            now,
            heartbeatMs == long.MaxValue ? long.MinValue / 2 : now - heartbeatMs,
            PaperMode: false,
            HasValidCredentials: reading.CredentialsProblem is null,
            KeyCanWithdraw: reading.KeyPermissionProblem is not null);
        AuditInvariants.Check(snapshot, _risk, (long)_settings.HeartbeatTimeout.TotalMilliseconds, _violations);
        _cycleMicros.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        if (_violations.Count == 0)
        {
            return;
        }

        var details = string.Join("; ", _violations.Select(v => v.Detail + (v.Invariant == Invariant.Credentials && reading.CredentialsProblem is { } p ? $" ({p})" : v.Invariant == Invariant.NoWithdrawalPermission ? $" ({reading.KeyPermissionProblem})" : "")));
        var trigger = TriggerFor(_violations);
        _log.Error("Invariant violated ({0}): {1}", trigger, details);
        Trail("invariant.violated", new { trigger, violations = _violations.ToArray() });
        if (_state != SystemState.EmergencyStop)
        {
            _orchestrator.Tell(new TriggerEmergencyStop(trigger, details));
        }
    }

    private static void AddReadingViolations(AuditReading reading, List<InvariantViolation> found)
    {
        if (reading.CredentialsProblem is { } credentials)
        {
            found.Add(new InvariantViolation(Invariant.Credentials, "the exchange refused the API key: " + credentials));
        }

        if (reading.KeyPermissionProblem is { } permission)
        {
            found.Add(new InvariantViolation(Invariant.NoWithdrawalPermission, permission));
        }
    }

    /// <summary>The seed names four triggers of its own; every other broken invariant is an invariant violation.</summary>
    internal static EmergencyTrigger TriggerFor(IReadOnlyList<InvariantViolation> violations)
    {
        foreach (var (invariant, trigger) in new[]
        {
            (Invariant.Credentials, EmergencyTrigger.InvalidCredentials),
            (Invariant.WebSocketConnected, EmergencyTrigger.WebSocketDown),
            (Invariant.DailyDrawdown, EmergencyTrigger.DailyDrawdown),
            (Invariant.ConsecutiveLosses, EmergencyTrigger.LosingStreak),
        })
        {
            if (violations.Any(v => v.Invariant == invariant))
            {
                return trigger;
            }
        }

        return EmergencyTrigger.InvariantViolation;
    }

    // ----- Metrics and the trail --------------------------------------------------------------------------------

    private void OnSignal(AgentEnvelope<SignalOutput> e)
    {
        var signal = e.Payload;
        if (_metrics.Signal(signal, e.TimestampMs))
        {
            Trail(Topics.SignalGenerated, signal);
            Remember(string.Create(CultureInfo.InvariantCulture, $"{Clock(signal.Timestamp)} {signal.Symbol} signal {signal.Direction.ToString().ToLowerInvariant()} {signal.Score:+0;-0}"));
        }
    }

    private void OnOrderPlaced(AgentEnvelope<OrderPlacedOnExchange> e)
    {
        var placed = e.Payload;
        var inForce = _metrics.InForce(placed.Symbol);
        if (placed.Purpose == OrderPurpose.Entry && inForce is { } signal)
        {
            _signalToOrderMs.RecordValue(Math.Clamp(e.TimestampMs - signal.WallMs, 0, 3_600_000));
        }

        Trail(Topics.OrderPlaced, placed);
        if (placed.Purpose == OrderPurpose.Entry)
        {
            var decided = inForce?.Signal.Timestamp ?? _reading?.ExchangeTimeMs ?? placed.TimeMs;
            Remember(string.Create(CultureInfo.InvariantCulture, $"{Clock(decided)} {placed.Symbol} risk approved: {placed.Side.ToString().ToLowerInvariant()} {placed.Lots} lots at {placed.Price}"));
        }
    }

    private static string Clock(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("HH:mm", CultureInfo.InvariantCulture);

    private void Remember(string decision)
    {
        _recent.Enqueue(decision);
        while (_recent.Count > 6)
        {
            _recent.Dequeue();
        }
    }

    private void OnFill(OrderFillRecorded fill)
    {
        _metrics.Fill(fill.Side, fill.ExpectedPrice, fill.Price);
        Trail(Topics.OrderFilled, fill);
    }

    private void OnOpened(PositionOpened opened)
    {
        _metrics.Opened(opened.Symbol, opened.Side);
        Trail(Topics.PositionOpened, opened);
    }

    private void OnClosed(PositionClosed closed)
    {
        _metrics.Closed(new ClosedTrade(closed.Symbol, closed.Side, closed.NetPnl, _equity - closed.NetPnl, closed.OpenedAtMs, closed.ClosedAtMs));
        Trail(Topics.PositionClosed, closed);
        if (_monitor.Closed(closed.Symbol, closed.OpenedAtMs, closed.NetPnl) is { } underperforms)
        {
            var version = _monitor.Report.First(m => m.Symbol == closed.Symbol).Version;
            _log.Warning("{0}: parameters v{1} {2}", closed.Symbol, version, underperforms);
            Remember($"{closed.Symbol} parameters v{version}: {underperforms}");
        }
    }

    private AuditReport Report() => new(
        _metrics.Metrics(_startingEquity, _reading?.ExchangeTimeMs ?? WallMs),
        _metrics.Accuracy,
        _metrics.Fills,
        Summary(_signalToOrderMs, 1),
        Summary(_cycleMicros, 1),
        _violations.ToArray(),
        _reading,
        _ticks)
    {
        LatestSignals = _metrics.LatestSignals,
        RecentDecisions = _recent.ToArray(),
        LiveAgainstBacktest = _monitor.Report,
    };

    private static LatencySummary Summary(LongHistogram histogram, double scale) =>
        histogram.TotalCount == 0
            ? new LatencySummary(0, 0, 0, 0, 0)
            : new LatencySummary(histogram.TotalCount, histogram.GetValueAtPercentile(50) / scale, histogram.GetValueAtPercentile(95) / scale, histogram.GetValueAtPercentile(99) / scale, histogram.GetMaxValue() / scale);

    public static string Describe(TradingMetricsReport m) => string.Create(
        CultureInfo.InvariantCulture,
        $"{m.Trades} trades, win rate {Percent(m.WinRate)}, profit factor {m.ProfitFactor?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a"}, max drawdown {m.MaxDrawdownPercent:0.00}%, net {m.NetPnl:0.00} USDT");

    private static string Percent(double? value) => value is { } v ? v.ToString("0.0%", CultureInfo.InvariantCulture) : "n/a";

    private void Trail(string kind, object payload) => _trail.Tell(new AuditTrailWriter.Line(JsonSerializer.Serialize(new { at = WallMs, kind, payload }, Json)));

    // ----- Emergency: the post-mortem ---------------------------------------------------------------------------

    private void OnEmergency(EmergencyStopped stopped)
    {
        _state = SystemState.EmergencyStop;
        Trail(Topics.EmergencyStop, stopped);
        _postMortem.Tell(new PostMortemWriter.Write(stopped, Report(), _equity, _dayStartEquity, _metrics.LatestSignals, WallMs));
    }

    private sealed record AuditTick
    {
        public static AuditTick Instance { get; } = new();
    }

    private sealed record ProbeRead(AuditReading? Reading, string? Failure, IActorRef? PreCheckFor);
}
