using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Serialization;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Risk;

/// <summary>A symbol's Risk entity asks the portfolio to judge a trade; the answer goes to <paramref name="ReplyTo"/>.</summary>
public sealed record EvaluateRisk(RiskRequest Request, SignalOutput Signal, IActorRef ReplyTo) : IClusterMessage;

public sealed record RiskDecided(RiskDecision Decision, RiskRequest Request, SignalOutput Signal) : IClusterMessage;

/// <summary>Equity and the day's start, from the account (the Audit agent's balance reads, or a test).</summary>
public sealed record EquityUpdated(decimal Equity, decimal DayStartEquity) : IClusterMessage;

/// <summary>A position ended with this net PnL: it leaves the view and counts for the losing streak.</summary>
public sealed record PositionEnded(string Symbol, decimal NetPnl) : IClusterMessage;

/// <summary>A position the Execution journal still holds after a restart: it counts for exposure until it closes.</summary>
public sealed record PositionRecovered(OpenPosition Position) : IClusterMessage;

/// <summary>
/// The losing streak the journal holds (startup step 7: the Execution entities' recent round trips across every
/// symbol), so that a restart does not forgive the losses before it.
/// </summary>
public sealed record LosingStreakRecovered(int ConsecutiveLosses) : IClusterMessage;

public sealed record GetPortfolioView : IClusterMessage
{
    public static GetPortfolioView Instance { get; } = new();
}

/// <summary>Asks the portfolio for the limits its gate decides with (what the node was configured with).</summary>
public sealed record GetRiskLimits : IClusterMessage
{
    public static GetRiskLimits Instance { get; } = new();
}

/// <summary>The limits the risk gate applies to a symbol with no deployed version of its own.</summary>
public sealed record RiskLimits(RiskParameters Parameters) : IClusterMessage;

/// <summary>
/// The portfolio view shared by every symbol's Risk entity (equity, daily drawdown, losing streak, open positions,
/// exposure and correlations), and the one place where <see cref="RiskGate"/> runs: decisions are made one at a time
/// against the same view, and an approval reserves its margin at once, so two symbols deciding together can never
/// both spend the last of the exposure budget.
/// </summary>
public sealed class RiskPortfolioActor : ReceiveActor
{
    private readonly RiskParameters _parameters;
    private readonly Dictionary<string, RiskParameters> _deployed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Optimization.DeployParameters Deploy, IActorRef ReplyTo)> _pendingDeploy = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, OpenPosition> _positions = new(StringComparer.Ordinal);
    private decimal _equity;
    private decimal _dayStartEquity;
    private int _losingStreak;
    private SystemState _systemState;

    /// <param name="bus">The DistributedPubSub mediator: the portfolio hears <c>order.filled</c> (an entry that ended
    /// unfilled frees its budget), <c>position.closed</c> (the round trip's PnL, the losing streak) and
    /// <c>emergency.stop</c> (no new position until the orchestrator says TRADING again).</param>
    /// <param name="initialState">What it assumes until the orchestrator tells it the system state; a node passes
    /// INITIALIZING, so nothing is approved before the startup sequence ends.</param>
    public RiskPortfolioActor(decimal equity, RiskParameters? parameters = null, IActorRef? bus = null, SystemState initialState = SystemState.Trading)
    {
        _equity = equity;
        _dayStartEquity = equity;
        _parameters = parameters ?? RiskParameters.Default;
        _systemState = initialState;
        foreach (var topic in new[] { Topics.OrderFilled, Topics.PositionClosed, Topics.EmergencyStop })
        {
            bus?.Tell(new Subscribe(topic, Self));
        }

        Receive<SubscribeAck>(_ => { });
        Receive<EvaluateRisk>(Evaluate);
        Receive<Optimization.DeployParameters>(deploy =>
        {
            // A symbol's parameters change only at a safe point: no position open and no approved entry in flight.
            _pendingDeploy[deploy.Symbol] = (deploy, Sender);
            ApplyPendingDeploy(deploy.Symbol);
        });
        Receive<EquityUpdated>(e => (_equity, _dayStartEquity) = (e.Equity, e.DayStartEquity));
        Receive<PositionEnded>(ended => End(ended.Symbol, ended.NetPnl));
        Receive<AgentEnvelope<PositionClosed>>(closed => End(closed.Payload.Symbol, closed.Payload.NetPnl));
        Receive<AgentEnvelope<OrderFinished>>(finished =>
        {
            // An entry that ended without a single fill opened nothing: its reserved budget is free again.
            if (finished.Payload is { Purpose: OrderPurpose.Entry, FilledLots: 0 })
            {
                _positions.Remove(finished.Payload.Symbol);
            }
        });
        Receive<AgentEnvelope<OrderFillRecorded>>(_ => { });
        Receive<AgentEnvelope<EmergencyStopped>>(_ => _systemState = SystemState.EmergencyStop);
        Receive<SystemStateChanged>(changed => _systemState = changed.To);
        Receive<PositionRecovered>(recovered => _positions[recovered.Position.Symbol] = recovered.Position);
        Receive<LosingStreakRecovered>(recovered => _losingStreak = recovered.ConsecutiveLosses);
        Receive<GetPortfolioView>(_ => Sender.Tell(View()));
        Receive<GetRiskLimits>(_ => Sender.Tell(new RiskLimits(_parameters)));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Risk + "-portfolio", check.SentAtMs)));
    }

    public static Props Props(decimal equity, RiskParameters? parameters = null, IActorRef? bus = null, SystemState initialState = SystemState.Trading) =>
        Akka.Actor.Props.Create(() => new RiskPortfolioActor(equity, parameters, bus, initialState));

    private void End(string symbol, decimal netPnl)
    {
        _positions.Remove(symbol);
        _equity += netPnl;
        _losingStreak = netPnl < 0 ? _losingStreak + 1 : 0;
        ApplyPendingDeploy(symbol);
    }

    private void ApplyPendingDeploy(string symbol)
    {
        if (_positions.ContainsKey(symbol) || !_pendingDeploy.Remove(symbol, out var pending))
        {
            return;
        }

        _deployed[symbol] = pending.Deploy.Risk;
        _log.Info("{0}: risk parameters v{1} apply from the next signal", symbol, pending.Deploy.Version);
        pending.ReplyTo.Tell(new Optimization.ParametersAtSafePoint(symbol, pending.Deploy.Version));
    }

    private PortfolioView View() => new(_equity, _dayStartEquity, _losingStreak, _positions.Values.ToArray());

    private void Evaluate(EvaluateRisk evaluate)
    {
        var request = evaluate.Request;
        var symbol = request.Contract.Symbol;
        RiskDecision decision;
        if (_systemState != SystemState.Trading)
        {
            decision = new RiskDecision(null, [new RiskRejection(RiskRule.TradingHalted, $"the system is {TransitionResult.Name(_systemState)}, not TRADING")]);
        }
        else if (_positions.ContainsKey(symbol))
        {
            decision = new RiskDecision(null, [new RiskRejection(RiskRule.PositionLimit, $"{symbol} already has an open or pending position")]);
        }
        else
        {
            decision = RiskGate.Evaluate(request, View(), _deployed.GetValueOrDefault(symbol) ?? _parameters);
            if (decision.Order is { } order)
            {
                _positions[symbol] = new OpenPosition(symbol, order.Side, order.Margin, request.Returns);
            }
        }

        _log.Debug("{0} {1}: {2}", symbol, request.Side, decision.IsApproved ? "approved" : string.Join("; ", decision.Rejections.Select(r => r.Reason)));
        evaluate.ReplyTo.Tell(new RiskDecided(decision, request, evaluate.Signal));
    }
}
