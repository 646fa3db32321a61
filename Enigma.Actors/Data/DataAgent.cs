using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Signal;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.MarketData;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Actors.Data;

/// <summary>Reply to the start: how many candles of history each symbol was warmed up with.</summary>
public sealed record DataStarted(IReadOnlyDictionary<string, int> WarmUpCandles);

public sealed record StartData
{
    public static StartData Instance { get; } = new();
}

/// <summary>
/// The Data agent of a node: warms the Signal and Risk entities up from REST kline history, then follows KuCoin's
/// 5-minute candle topic over the WebSocket client and routes every closed candle to both. Candle pushes arrive on
/// the socket's thread and come into the actor as messages; the REST warm-up runs off the actor and is piped back.
/// </summary>
public sealed class DataAgent : ReceiveActor, IWithStash
{
    private readonly KuCoinRestClient _rest;
    private readonly KuCoinWebSocketClient _stream;
    private readonly IReadOnlyList<ContractSpec> _contracts;
    private readonly IActorRef _signal;
    private readonly IActorRef _risk;
    private readonly TimeSpan _history;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClosedCandleDetector _detector;
    private readonly Dictionary<string, long> _lastRouted = new(StringComparer.Ordinal);

    public DataAgent(KuCoinRestClient rest, KuCoinWebSocketClient stream, IReadOnlyList<ContractSpec> contracts, IActorRef signalRegion, IActorRef riskRegion, TimeSpan history)
    {
        _rest = rest;
        _stream = stream;
        _contracts = contracts;
        _signal = signalRegion;
        _risk = riskRegion;
        _history = history;
        var multipliers = contracts.ToDictionary(c => c.Symbol, c => c.Multiplier, StringComparer.Ordinal);
        _detector = new ClosedCandleDetector(symbol => multipliers[symbol]);

        Receive<StartData>(_ => WarmUp(Sender));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Data, check.SentAtMs)));
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(KuCoinRestClient rest, KuCoinWebSocketClient stream, IReadOnlyList<ContractSpec> contracts, IActorRef signalRegion, IActorRef riskRegion, TimeSpan history) =>
        Akka.Actor.Props.Create(() => new DataAgent(rest, stream, contracts, signalRegion, riskRegion, history));

    private void WarmUp(IActorRef requester)
    {
        var self = Self;
        WarmUpAsync(self).PipeTo(Self, requester, success: history => new WarmedUp(history), failure: e => new WarmUpFailed(e.GetBaseException().Message));
        Become(() =>
        {
            Receive<WarmedUp>(OnWarmedUp);
            Receive<WarmUpFailed>(f =>
            {
                _log.Error("Data agent: warm-up failed: {0}", f.Reason);
                Sender.Tell(new Status.Failure(new InvalidOperationException($"warm-up failed: {f.Reason}")));
            });
            Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Data, check.SentAtMs)));
            ReceiveAny(_ => Stash.Stash());
        });
    }

    private async Task<Dictionary<string, Candle[]>> WarmUpAsync(IActorRef self)
    {
        var now = await _rest.GetServerTimeAsync().ConfigureAwait(false);
        var history = new Dictionary<string, Candle[]>(StringComparer.Ordinal);
        foreach (var contract in _contracts)
        {
            var symbol = contract.Symbol;
            await _stream.SubscribeAsync($"/contractMarket/limitCandle:{symbol}_5min", push => self.Tell(new CandlePushed(push.Data.Clone()))).ConfigureAwait(false);
            var klines = await _rest.GetKlineHistoryAsync(symbol, 5, now - (long)_history.TotalMilliseconds, now).ConfigureAwait(false);
            history[symbol] = klines.Select(k => k.ToCandle(contract.Multiplier)).ToArray();
        }

        return history;
    }

    private void OnWarmedUp(WarmedUp warmedUp)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (symbol, candles) in warmedUp.History)
        {
            // The last kline row may still be forming: it is left to the candle topic, which says when it closes.
            var closed = candles.Length > 0 ? candles[..^1] : candles;
            _signal.Tell(new ShardingEnvelope(symbol, new WarmUpSignal(symbol, closed)));
            _risk.Tell(new ShardingEnvelope(symbol, new WarmUpSignal(symbol, closed)));
            _lastRouted[symbol] = closed.Length > 0 ? closed[^1].OpenTimeMs : long.MinValue;
            counts[symbol] = closed.Length;
        }

        Sender.Tell(new DataStarted(counts));
        Become(Streaming);
        Stash.UnstashAll();
    }

    private void Streaming()
    {
        Receive<CandlePushed>(pushed =>
        {
            Candle? closed;
            try
            {
                closed = _detector.OnPush(pushed.Data);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
            {
                _log.Warning("Data agent: candle push refused: {0}", e.Message);
                return;
            }

            var symbol = pushed.Data.GetProperty("symbol").GetString()!;
            if (closed is { } candle && candle.OpenTimeMs > _lastRouted.GetValueOrDefault(symbol, long.MinValue))
            {
                _lastRouted[symbol] = candle.OpenTimeMs;
                _signal.Tell(new ShardingEnvelope(symbol, new CandleClosed(symbol, candle)));
                _risk.Tell(new ShardingEnvelope(symbol, new CandleClosed(symbol, candle)));
            }
        });
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Data, check.SentAtMs)));
    }

    private sealed record CandlePushed(System.Text.Json.JsonElement Data);

    private sealed record WarmedUp(Dictionary<string, Candle[]> History);

    private sealed record WarmUpFailed(string Reason);
}
