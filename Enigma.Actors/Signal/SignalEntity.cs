using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Serialization;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Signal;

/// <summary>History to warm the indicators up with, oldest first, before the first live candle.</summary>
public sealed record WarmUpSignal(string Symbol, IReadOnlyList<Candle> History) : IClusterMessage;

public sealed record SignalWarmedUp(string Symbol, int Candles, long LastOpenTimeMs) : IClusterMessage;

/// <summary>A closed base-timeframe candle from the Data agent.</summary>
public sealed record CandleClosed(string Symbol, Candle Candle) : IClusterMessage;

public sealed record GetLatestSignal(string Symbol) : IClusterMessage;

/// <summary>The latest output, or null before the first live candle.</summary>
public sealed record LatestSignal(string Symbol, SignalOutput? Output, int CandlesSeen) : IClusterMessage;

/// <summary>
/// One symbol's Signal agent (a sharded entity in the cluster): the streaming indicator state per timeframe of a
/// <see cref="SignalEngine"/>, warmed up from history, then one <see cref="SignalOutput"/> per closed candle, published
/// on <c>signal.generated</c> for Risk and Audit. A candle that is not newer than the last one (a replay after a
/// reconnect) is skipped, never applied twice; the engine's state is only in memory, so a restarted entity warms up
/// again from history, which the Data agent serves.
/// </summary>
public sealed class SignalEntity : ReceiveActor
{
    /// <summary>Base candles kept to warm a new engine when deployed parameters arrive (about ten days of 5m: the 4h indicators' warm-up).</summary>
    private const int CandlesKept = 3_000;
    private readonly Queue<Candle> _kept = new();
    private SignalEngine _engine;
    private readonly IActorRef _bus;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _lastOpenTimeMs = long.MinValue;
    private int _candles;
    private SignalOutput? _latest;

    public SignalEntity(string symbol, IActorRef bus, SignalParameters? parameters = null, TimeProvider? time = null)
    {
        _engine = new SignalEngine(symbol, parameters: parameters);
        _bus = bus;
        _time = time ?? TimeProvider.System;

        Receive<WarmUpSignal>(OnWarmUp);
        Receive<CandleClosed>(OnCandle);
        Receive<GetLatestSignal>(_ => Sender.Tell(new LatestSignal(_engine.Symbol, _latest, _candles)));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport($"{Agents.Signal}-{_engine.Symbol}", check.SentAtMs)));
        Receive<Optimization.ApplySignalParameters>(OnParameters);
    }

    public static Props Props(string symbol, IActorRef bus, SignalParameters? parameters = null, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new SignalEntity(symbol, bus, parameters, time));

    private bool IsNew(Candle candle)
    {
        if (candle.OpenTimeMs <= _lastOpenTimeMs)
        {
            _log.Debug("{0}: candle {1} is not newer than {2}; skipped", _engine.Symbol, candle.OpenTimeMs, _lastOpenTimeMs);
            return false;
        }

        if (candle.DescribeOhlcViolation() is { } violation)
        {
            _log.Warning("{0}: candle {1} refused: {2}", _engine.Symbol, candle.OpenTimeMs, violation);
            return false;
        }

        return true;
    }

    private void OnWarmUp(WarmUpSignal warmUp)
    {
        foreach (var candle in warmUp.History)
        {
            if (IsNew(candle))
            {
                _engine.Advance(candle);
                Keep(candle);
                _lastOpenTimeMs = candle.OpenTimeMs;
                _candles++;
            }
        }

        Sender.Tell(new SignalWarmedUp(_engine.Symbol, _candles, _lastOpenTimeMs));
    }

    private void OnCandle(CandleClosed closed)
    {
        if (!IsNew(closed.Candle))
        {
            return;
        }

        _latest = _engine.Update(closed.Candle);
        Keep(closed.Candle);
        _lastOpenTimeMs = closed.Candle.OpenTimeMs;
        _candles++;
        var priority = _latest.Direction == SignalDirection.Neutral ? TaskPriority.Low : TaskPriority.High;
        _bus.Tell(new Publish(Topics.SignalGenerated, AgentEnvelope.Event(Agents.Signal, Topics.SignalGenerated, _latest, _time.GetUtcNow().ToUnixTimeMilliseconds(), priority)));
    }

    private void Keep(Candle candle)
    {
        _kept.Enqueue(candle);
        if (_kept.Count > CandlesKept)
        {
            _kept.Dequeue();
        }
    }

    /// <summary>A deployed version: a new engine warmed on the kept candles replaces the old one between two candles.</summary>
    private void OnParameters(Optimization.ApplySignalParameters apply)
    {
        SignalEngine engine;
        try
        {
            engine = new SignalEngine(_engine.Symbol, _engine.Timeframes, apply.Parameters);
        }
        catch (ArgumentException e)
        {
            _log.Error("{0}: parameters v{1} refused: {2}; the engine keeps its parameters", _engine.Symbol, apply.Version, e.Message);
            return;
        }

        foreach (var candle in _kept)
        {
            engine.Advance(candle);
        }

        _engine = engine;
        _log.Info("{0}: signal parameters v{1} in use, warmed on {2} candles", _engine.Symbol, apply.Version, _kept.Count);
    }
}
