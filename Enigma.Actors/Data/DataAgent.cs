using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Signal;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;

namespace Enigma.Actors.Data;

/// <summary>Reply to the start: how many candles of history each symbol was warmed up with.</summary>
public sealed record DataStarted(IReadOnlyDictionary<string, int> WarmUpCandles);

public sealed record StartData
{
    public static StartData Instance { get; } = new();
}

/// <summary>
/// The Data agent of a node: warms the Signal and Risk entities up from the venue's candle history, then follows its
/// 5-minute candle stream (the market-data port, <see cref="IMarketDataFeed"/>) and routes every closed candle to both.
/// <para>
/// The pushes flow through an Akka.Streams graph with back-pressure end to end: the socket's receive loop offers each
/// push to a bounded queue and waits while it is full (so a slow node stops reading the socket and TCP slows the
/// sender, instead of memory growing); a stage turns pushes into closed candles (<see cref="ClosedCandleTracker"/>,
/// single-threaded inside the stream); the actor receives them with an ack per candle, and does not ack while it is
/// still warming up, so nothing is lost or overtaken by history. The REST warm-up runs off the actor and is piped back.
/// </para>
/// </summary>
public sealed class DataAgent : ReceiveActor, IWithStash
{
    private readonly IMarketDataFeed _feed;
    private readonly IReadOnlyList<ContractSpec> _contracts;
    private readonly IActorRef _signal;
    private readonly IActorRef _risk;
    private readonly TimeSpan _history;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClosedCandleTracker _tracker = new();
    private readonly Dictionary<string, long> _lastRouted = new(StringComparer.Ordinal);
    private readonly IActorRef? _execution;
    private readonly ConcurrentDictionary<string, ILiveOrderBook> _books = new(StringComparer.Ordinal);
    private ISourceQueueWithComplete<FormingCandle> _pushes = null!;
    private ISourceQueueWithComplete<string>? _bookChanges;

    /// <param name="executionRegion">When given, each symbol's level-2 book is kept live and its top handed to the
    /// symbol's Execution entity (conflated, at most ten times a second), for the 9th-level entry price.</param>
    public DataAgent(IMarketDataFeed feed, IReadOnlyList<ContractSpec> contracts, IActorRef signalRegion, IActorRef riskRegion, TimeSpan history, IActorRef? executionRegion = null)
    {
        _execution = executionRegion;
        _feed = feed;
        _contracts = contracts;
        _signal = signalRegion;
        _risk = riskRegion;
        _history = history;

        Receive<StartData>(_ => WarmUp(Sender));
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport(Agents.Data, check.SentAtMs)));
        Receive<StreamStarted>(_ => Sender.Tell(StreamAck.Instance));
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>Pushes waiting for the graph; the socket's reader waits when this many are queued.</summary>
    public const int PushBuffer = 256;

    protected override void PreStart()
    {
        var materializer = Context.Materializer();
        var tracker = _tracker;
        _pushes = Source.Queue<FormingCandle>(PushBuffer, OverflowStrategy.Backpressure)

            // Streams carry no nulls: a push that closes no candle yields nothing.
            .SelectMany(push => tracker.OnForming(push.Symbol, push.Candle) is { } candle ? [new ClosedFromStream(push.Symbol, candle)] : Array.Empty<ClosedFromStream>())
            .To(Sink.ActorRefWithAck<ClosedFromStream>(Self, StreamStarted.Instance, StreamAck.Instance, StreamCompleted.Instance, e => new StreamFailed(e.Message)))
            .Run(materializer);

        if (_execution is { } execution)
        {
            // Books change many times a second; Execution needs the latest top when it prices an entry, not every
            // change: changed symbols are conflated into a set and handed over at most ten times a second.
            var books = _books;
            _bookChanges = Source.Queue<string>(1024, OverflowStrategy.DropHead)
                .ConflateWithSeed(symbol => new HashSet<string>(StringComparer.Ordinal) { symbol }, (set, symbol) =>
                {
                    set.Add(symbol);
                    return set;
                })
                .Throttle(10, TimeSpan.FromSeconds(1), 10, ThrottleMode.Shaping)
                .To(Sink.ForEach<HashSet<string>>(changed =>
                {
                    foreach (var symbol in changed)
                    {
                        if (books.TryGetValue(symbol, out var feed) && feed.TryRead((book, _) => Top(symbol, book), out var top) && top is not null)
                        {
                            execution.Tell(new ShardingEnvelope(symbol, top));
                        }
                    }
                }))
                .Run(materializer);
        }
    }

    private static BookTop Top(string symbol, OrderBook book)
    {
        Span<BookLevel> levels = stackalloc BookLevel[BookDepth];
        var bids = levels[..book.Top(BookSide.Bid, levels)].ToArray();
        var asks = levels[..book.Top(BookSide.Ask, levels)].ToArray();
        return new BookTop(symbol, bids, asks, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    protected override void PostStop()
    {
        _bookChanges?.Complete();
        _pushes.Complete();
        base.PostStop();
    }

    /// <summary>Called on the socket's receive loop: waits while the graph's buffer is full (back-pressure to the socket).</summary>
    private static void Offer(ISourceQueueWithComplete<FormingCandle> queue, FormingCandle data)
    {
        var offered = queue.OfferAsync(data);
        if (!offered.IsCompleted)
        {
            offered.Wait();
        }
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IMarketDataFeed feed, IReadOnlyList<ContractSpec> contracts, IActorRef signalRegion, IActorRef riskRegion, TimeSpan history, IActorRef? executionRegion = null) =>
        Akka.Actor.Props.Create(() => new DataAgent(feed, contracts, signalRegion, riskRegion, history, executionRegion));

    /// <summary>Levels of each side handed to Execution: enough for the 9th-level entry.</summary>
    public const int BookDepth = 10;

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
        var now = await _feed.ServerTimeAsync(CancellationToken.None).ConfigureAwait(false);
        var log = _log;
        var history = new Dictionary<string, Candle[]>(StringComparer.Ordinal);
        foreach (var contract in _contracts)
        {
            var symbol = contract.Symbol;
            var pushes = _pushes;
            await _feed.SubscribeCandlesAsync(contract, push => Offer(pushes, push), problem => log.Warning("Data agent: candle push refused: {0}", problem), CancellationToken.None).ConfigureAwait(false);
            if (_bookChanges is { } changes)
            {
                var book = _feed.OrderBook(symbol);
                _books[symbol] = book;
                book.Updated += () => changes.OfferAsync(symbol);
                await book.StartAsync(CancellationToken.None).ConfigureAwait(false);
            }

            history[symbol] = [.. await _feed.CandleHistoryAsync(contract, now - (long)_history.TotalMilliseconds, now, CancellationToken.None).ConfigureAwait(false)];
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

                // Execution learns the market's time from the closes: unfilled entries expire by it.
                _execution?.Tell(new ShardingEnvelope(symbol, new CandleClosed(symbol, candle)));
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
