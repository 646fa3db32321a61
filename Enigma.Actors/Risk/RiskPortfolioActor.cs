using Akka.Actor;
using Akka.Event;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Risk;

/// <summary>A symbol's Risk entity asks the portfolio to judge a trade; the answer goes to <paramref name="ReplyTo"/>.</summary>
public sealed record EvaluateRisk(RiskRequest Request, SignalOutput Signal, IActorRef ReplyTo);

public sealed record RiskDecided(RiskDecision Decision, RiskRequest Request, SignalOutput Signal);

/// <summary>Equity and the day's start, from the account (the Audit agent's balance reads, or a test).</summary>
public sealed record EquityUpdated(decimal Equity, decimal DayStartEquity);

/// <summary>A position ended with this net PnL: it leaves the view and counts for the losing streak.</summary>
public sealed record PositionEnded(string Symbol, decimal NetPnl);

public sealed record GetPortfolioView
{
    public static GetPortfolioView Instance { get; } = new();
}

/// <summary>
/// The portfolio view shared by every symbol's Risk entity (equity, daily drawdown, losing streak, open positions,
/// exposure and correlations), and the one place where <see cref="RiskGate"/> runs: decisions are made one at a time
/// against the same view, and an approval reserves its margin at once, so two symbols deciding together can never
/// both spend the last of the exposure budget.
/// </summary>
public sealed class RiskPortfolioActor : ReceiveActor
{
    private readonly RiskParameters _parameters;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, OpenPosition> _positions = new(StringComparer.Ordinal);
    private decimal _equity;
    private decimal _dayStartEquity;
    private int _losingStreak;

    public RiskPortfolioActor(decimal equity, RiskParameters? parameters = null)
    {
        _equity = equity;
        _dayStartEquity = equity;
        _parameters = parameters ?? RiskParameters.Default;

        Receive<EvaluateRisk>(Evaluate);
        Receive<EquityUpdated>(e => (_equity, _dayStartEquity) = (e.Equity, e.DayStartEquity));
        Receive<PositionEnded>(ended =>
        {
            _positions.Remove(ended.Symbol);
            _equity += ended.NetPnl;
            _losingStreak = ended.NetPnl < 0 ? _losingStreak + 1 : 0;
        });
        Receive<GetPortfolioView>(_ => Sender.Tell(View()));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Risk + "-portfolio", check.SentAtMs)));
    }

    public static Props Props(decimal equity, RiskParameters? parameters = null) => Akka.Actor.Props.Create(() => new RiskPortfolioActor(equity, parameters));

    private PortfolioView View() => new(_equity, _dayStartEquity, _losingStreak, _positions.Values.ToArray());

    private void Evaluate(EvaluateRisk evaluate)
    {
        var request = evaluate.Request;
        var symbol = request.Contract.Symbol;
        RiskDecision decision;
        if (_positions.ContainsKey(symbol))
        {
            decision = new RiskDecision(null, [new RiskRejection(RiskRule.PositionLimit, $"{symbol} already has an open or pending position")]);
        }
        else
        {
            decision = RiskGate.Evaluate(request, View(), _parameters);
            if (decision.Order is { } order)
            {
                _positions[symbol] = new OpenPosition(symbol, order.Side, order.Margin, request.Returns);
            }
        }

        _log.Debug("{0} {1}: {2}", symbol, request.Side, decision.IsApproved ? "approved" : string.Join("; ", decision.Rejections.Select(r => r.Reason)));
        evaluate.ReplyTo.Tell(new RiskDecided(decision, request, evaluate.Signal));
    }
}
