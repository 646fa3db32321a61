using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
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
/// 5-minute candle topic over the WebSocket client and routes every closed candle to both.
/// <para>
/// The pushes flow through an Akka.Streams graph with back-pressure end to end: the socket's receive loop offers each
/// push to a bounded queue and waits while it is full (so a slow node stops reading the socket and TCP slows the
/// sender, instead of memory growing); a stage turns pushes into closed candles (<see cref="ClosedCandleDetector"/>,
/// single-threaded inside the stream); the actor receives them with an ack per candle, and does not ack while it is
/// still warming up, so nothing is lost or overtaken by history. The REST warm-up runs off the actor and is piped back.
/// </para>
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
    private ISourceQueueWithComplete<JsonElement> _pushes = null!;

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
        Receive<StreamStarted>(_ => Sender.Tell(StreamAck.Instance));
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>Pushes waiting for the graph; the socket's reader waits when this many are queued.</summary>
    public const int PushBuffer = 256;

    protected override void PreStart()
    {
        var log = _log;
        var detector = _detector;
        _pushes = Source.Queue<JsonElement>(PushBuffer, OverflowStrategy.Backpressure)
            .SelectMany(data =>
            {
                // Streams carry no nulls: a push that closes no candle yields nothing.
                try
                {
                    return detector.OnPush(data) is { } candle ? [new ClosedFromStream(data.GetProperty("symbol").GetString()!, candle)] : Array.Empty<ClosedFromStream>();
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
                {
                    log.Warning("Data agent: candle push refused: {0}", e.Message);
                    return Array.Empty<ClosedFromStream>();
                }
            })
            .To(Sink.ActorRefWithAck<ClosedFromStream>(Self, StreamStarted.Instance, StreamAck.Instance, StreamCompleted.Instance, e => new StreamFailed(e.Message)))
            .Run(Context.Materializer());
    }

    protected override void PostStop()
    {
        _pushes.Complete();
        base.PostStop();
    }

    /// <summary>Called on the socket's receive loop: waits while the graph's buffer is full (back-pressure to the socket).</summary>
    private static void Offer(ISourceQueueWithComplete<JsonElement> queue, JsonElement data)
    {
        var offered = queue.OfferAsync(data);
        if (!offered.IsCompleted)
        {
            offered.Wait();
        }
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
            var pushes = _pushes;
            await _stream.SubscribeAsync($"/contractMarket/limitCandle:{symbol}_5min", push => Offer(pushes, push.Data.Clone())).ConfigureAwait(false);
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
        Receive<ClosedFromStream>(closed =>
        {
            var (symbol, candle) = (closed.Symbol, closed.Candle);
            if (candle.OpenTimeMs > _lastRouted.GetValueOrDefault(symbol, long.MinValue))
            {
                _lastRouted[symbol] = candle.OpenTimeMs;
                _signal.Tell(new ShardingEnvelope(symbol, new CandleClosed(symbol, candle)));
                _risk.Tell(new ShardingEnvelope(symbol, new CandleClosed(symbol, candle)));
            }

            Sender.Tell(StreamAck.Instance);
        });
        Receive<StreamStarted>(_ => Sender.Tell(StreamAck.Instance));
        Receive<StreamCompleted>(_ => _log.Info("Data agent: candle stream completed"));
        Receive<StreamFailed>(f => _log.Error("Data agent: candle stream failed: {0}", f.Reason));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Data, check.SentAtMs)));
    }

    private sealed record ClosedFromStream(string Symbol, Candle Candle);

    private sealed record StreamStarted
    {
        public static StreamStarted Instance { get; } = new();
    }

    private sealed record StreamAck
    {
        public static StreamAck Instance { get; } = new();
    }

    private sealed record StreamCompleted
    {
        public static StreamCompleted Instance { get; } = new();
    }

    private sealed record StreamFailed(string Reason);

    private sealed record WarmedUp(Dictionary<string, Candle[]> History);

    private sealed record WarmUpFailed(string Reason);
}
