using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Serialization;
using Enigma.Actors.Signal;
using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Risk;

/// <summary>Published on <c>risk.approved</c>: the sized order, and the decision time its client order ids come from.</summary>
public sealed record RiskApproved(SizedOrder Order, long DecisionTimeMs, double Score) : IClusterMessage;

/// <summary>Published on <c>risk.rejected</c>: every rule that failed, with its reason.</summary>
public sealed record RiskRejected(string Symbol, Side Side, IReadOnlyList<RiskRejection> Rejections, long DecisionTimeMs) : IClusterMessage;

/// <summary>
/// One symbol's Risk agent (a sharded entity in the cluster): it keeps the market context a decision needs (ATR for
/// the volatility leverage cap, close-to-close returns for correlations, the last close as the entry estimate) from
/// the same closed candles the Signal agent gets, turns each long or short signal into a request for the shared
/// <see cref="RiskPortfolioActor"/>, and publishes the decision as <c>risk.approved</c> or <c>risk.rejected</c>.
/// Every trade passes here; nothing else can make the <see cref="SizedOrder"/> the Execution agent requires.
/// </summary>
public sealed class RiskEntity : ReceiveActor
{

    private readonly ContractSpec _contract;
    private readonly IActorRef _portfolio;
    private readonly IActorRef _bus;
    private readonly TimeProvider _time;
    private readonly RiskInputs _inputs;

    public RiskEntity(ContractSpec contract, IActorRef portfolio, IActorRef bus, TimeProvider? time = null)
    {
        _contract = contract;
        _inputs = new RiskInputs(contract);
        _portfolio = portfolio;
        _bus = bus;
        _time = time ?? TimeProvider.System;

        Receive<CandleClosed>(c => OnCandle(c.Candle));
        Receive<WarmUpSignal>(w =>
        {
            foreach (var candle in w.History)
            {
                OnCandle(candle);
            }
        });
        Receive<AgentEnvelope<SignalOutput>>(e => OnSignal(e.Payload));
        Receive<SignalOutput>(OnSignal);
        Receive<RiskDecided>(OnDecided);
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport($"{Agents.Risk}-{_contract.Symbol}", check.SentAtMs)));
    }

    public static Props Props(ContractSpec contract, IActorRef portfolio, IActorRef bus, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new RiskEntity(contract, portfolio, bus, time));

    private void OnCandle(Candle candle) => _inputs.Update(candle);

    private void OnSignal(SignalOutput signal)
    {
        if (signal.Symbol != _contract.Symbol || signal.Direction == SignalDirection.Neutral
            || _inputs.Request(signal.Direction == SignalDirection.Long ? Side.Long : Side.Short) is not { } request)
        {
            return;
        }

        _portfolio.Tell(new EvaluateRisk(request, signal, Self));
    }

    private void OnDecided(RiskDecided decided)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var decisionTime = decided.Signal.Timestamp;
        if (decided.Decision.Order is { } order)
        {
            _bus.Tell(new Publish(Topics.RiskApproved, AgentEnvelope.Event(Agents.Risk, Topics.RiskApproved, new RiskApproved(order, decisionTime, decided.Signal.Score), now, TaskPriority.High)));
        }
        else
        {
            _bus.Tell(new Publish(Topics.RiskRejected, AgentEnvelope.Event(Agents.Risk, Topics.RiskRejected, new RiskRejected(_contract.Symbol, decided.Request.Side, decided.Decision.Rejections, decisionTime), now)));
        }
    }
}
