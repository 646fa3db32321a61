using System.Collections.Concurrent;
using System.Diagnostics;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.MarketData;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Exchange.Simulator;

/// <summary>Our WebSocket client and local book against the simulator's WebSocket over real loopback sockets.</summary>
public sealed class ClientAgainstSimulatorStreamSpecs
{
    private static readonly KuCoinStreamOptions Fast = new() { HandshakeTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Ticker_pushes_arrive_in_KuCoin_units_as_the_replay_moves()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var tickers = new ConcurrentQueue<(decimal Bid, decimal Ask, long Ts)>();
        await stream.SubscribeAsync("/contractMarket/tickerV2:XBTUSDTM", push => tickers.Enqueue((
            decimal.Parse(push.Data.GetProperty("bestBidPrice").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            decimal.Parse(push.Data.GetProperty("bestAskPrice").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            push.Data.GetProperty("ts").GetInt64())));

        sim.Server.Step(TimeSpan.FromMinutes(5));

        await Eventually.HoldsAsync(() => tickers.Count >= 10, "ten tickers arrived");
        Assert.All(tickers, t => Assert.True(t.Bid < t.Ask));
        Assert.All(tickers, t => Assert.InRange(t.Ts / 1_000_000, sim.Server.MarketTimeMs - 600_000, sim.Server.MarketTimeMs));
    }

    [Fact]
    public async Task Candles_mark_prices_and_funding_rates_stream_in_KuCoin_shapes()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var candles = new ConcurrentQueue<string[]>();
        var subjects = new ConcurrentDictionary<string, int>();
        await stream.SubscribeAsync("/contractMarket/limitCandle:XBTUSDTM_1min", push => candles.Enqueue(push.Data.GetProperty("candles").EnumerateArray().Select(e => e.GetString()!).ToArray()));
        await stream.SubscribeAsync("/contract/instrument:XBTUSDTM", push => subjects.AddOrUpdate(push.Subject, 1, (_, n) => n + 1));

        sim.Server.Step(TimeSpan.FromMinutes(3));

        await Eventually.HoldsAsync(() => candles.Count >= 6 && subjects.ContainsKey("funding.rate") && subjects.ContainsKey("mark.index.price"), "candles, marks and a funding rate arrived");
        Assert.All(candles, c =>
        {
            Assert.Equal(7, c.Length);
            var start = long.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(start, 1_000_000_000, 9_999_999_999); // seconds, not milliseconds
            Assert.Equal(0, start % 60);
            var (open, close, high, low) = (decimal.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture),
                decimal.Parse(c[3], System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(low <= Math.Min(open, close) && high >= Math.Max(open, close), "open, close, high, low in KuCoin's WebSocket order");
        });
    }

    [Fact]
    public async Task The_local_book_follows_level2_and_equals_the_exchange_snapshot()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var feed = new KuCoinOrderBookFeed("XBTUSDTM", stream, rest);
        await feed.StartAsync();

        for (var i = 0; i < 12; i++)
        {
            sim.Server.Step(TimeSpan.FromMinutes(1));
        }

        await AssertBookMatchesSnapshotAsync(feed, rest, sim);
        Assert.Equal(0, feed.Resyncs);
    }

    [Fact]
    public async Task The_local_book_is_built_even_when_the_market_is_quiet()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var feed = new KuCoinOrderBookFeed("XBTUSDTM", stream, rest);
        await feed.StartAsync();

        // The stepped clock never moves: no increment ever arrives.
        await AssertBookMatchesSnapshotAsync(feed, rest, sim);
    }

    [Fact]
    public async Task A_skipped_level2_sequence_is_noticed_and_the_book_rebuilt_never_silently_wrong()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var feed = new KuCoinOrderBookFeed("ETHUSDTM", stream, rest);
        await feed.StartAsync();
        sim.Server.Step(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => feed.IsLive, "the book is live");

        sim.Server.SetFaults(new FaultSettings { Seed = 7, SkipLevel2Share = 0.2 });
        for (var i = 0; i < 10; i++)
        {
            sim.Server.Step(TimeSpan.FromMinutes(1));
        }

        await Eventually.HoldsAsync(() => feed.Resyncs > 0, "a gap was noticed");
        Assert.StartsWith("gap", feed.LastResyncReason, StringComparison.Ordinal);
        sim.Server.SetFaults(FaultSettings.None);
        sim.Server.Step(TimeSpan.FromMinutes(1));
        await AssertBookMatchesSnapshotAsync(feed, rest, sim);
    }

    [Fact]
    public async Task After_the_server_drops_every_connection_the_client_streams_again_within_three_seconds()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var trades = 0;
        await stream.SubscribeAsync("/contractMarket/execution:XBTUSDTM", _ => Interlocked.Increment(ref trades));
        var feed = new KuCoinOrderBookFeed("XBTUSDTM", stream, rest);
        await feed.StartAsync();
        sim.Server.Step(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => trades > 0 && feed.IsLive, "trades stream and the book is live");

        var clock = Stopwatch.StartNew();
        Assert.Equal(1, sim.Server.DropWebSockets());
        await Eventually.HoldsAsync(() => stream.Reconnects >= 1 && stream.State == KuCoinStreamState.Live, "the client reconnected", TimeSpan.FromSeconds(5));
        var reconnected = clock.Elapsed;
        var before = Volatile.Read(ref trades);
        sim.Server.Step(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => Volatile.Read(ref trades) > before, "trades stream again after the reconnect");

        // Typically well under a second (the first retry is immediate); the bound leaves room for a loaded 2-core machine.
        Assert.True(reconnected < TimeSpan.FromSeconds(3), $"reconnected after {reconnected.TotalMilliseconds:0} ms");
        Assert.True(feed.Resyncs >= 1, "a reconnect always rebuilds the book");
        await AssertBookMatchesSnapshotAsync(feed, rest, sim);
    }

    [Fact]
    public async Task A_comma_joined_subscription_delivers_every_symbol_before_and_after_a_reconnect()
    {
        await using var session = await Session.StartAsync();
        var (sim, rest, stream) = (session.Sim, session.Rest, session.Stream);
        var seen = new ConcurrentDictionary<string, int>();
        await stream.SubscribeAsync("/contractMarket/execution:XBTUSDTM,ETHUSDTM", push => seen.AddOrUpdate(push.Topic, 1, (_, n) => n + 1));

        sim.Server.Step(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => seen.Count == 2, "trades of both symbols arrived");
        sim.Server.DropWebSockets();
        await Eventually.HoldsAsync(() => stream.Reconnects >= 1 && stream.State == KuCoinStreamState.Live, "the client reconnected");
        seen.Clear();
        sim.Server.Step(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => seen.Count == 2, "trades of both symbols arrived after the reconnect");
        Assert.Equal(["/contractMarket/execution:ETHUSDTM", "/contractMarket/execution:XBTUSDTM"], seen.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Malformed_frames_are_reported_and_the_stream_goes_on()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var rest = sim.Client();
        await using var stream = new KuCoinWebSocketClient(rest, isPrivate: false, Fast);
        var problems = new ConcurrentQueue<string>();
        stream.ProtocolError += problems.Enqueue;
        await stream.StartAsync();
        var tickers = 0;
        await stream.SubscribeAsync("/contractMarket/tickerV2:XBTUSDTM", _ => Interlocked.Increment(ref tickers));

        sim.Server.SetFaults(new FaultSettings { Seed = 3, MalformedFrameShare = 0.3 });
        sim.Server.Step(TimeSpan.FromMinutes(5));
        await Eventually.HoldsAsync(() => !problems.IsEmpty && tickers > 0, "some frames were malformed and others arrived");

        Assert.All(problems, p => Assert.StartsWith("malformed frame", p, StringComparison.Ordinal));
        Assert.Equal(KuCoinStreamState.Live, stream.State);
        Assert.Equal(0, stream.Reconnects);
    }

    [Fact]
    public async Task Private_topics_report_an_orders_life_and_need_a_private_connection()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var rest = sim.Client();
        await using var privateStream = new KuCoinWebSocketClient(rest, isPrivate: true, Fast);
        await privateStream.StartAsync();
        var changes = new ConcurrentQueue<string>();
        await privateStream.SubscribeAsync("/contractMarket/tradeOrders", push => changes.Enqueue(push.Data.GetProperty("type").GetString() + ":" + push.Data.GetProperty("status").GetString()));
        var wallet = 0;
        await privateStream.SubscribeAsync("/contractAccount/wallet", _ => Interlocked.Increment(ref wallet));

        var ticker = await rest.GetTickerAsync("XBTUSDTM");
        var id = await rest.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "p-1", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = decimal.Round(ticker.BestBid * 0.9m, 1), Leverage = 2 });
        await rest.CancelOrderAsync(id);
        await rest.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "p-2", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 1, Leverage = 2 });

        await Eventually.HoldsAsync(() => changes.Count >= 4 && wallet >= 3, "order changes and wallet pushes arrived");
        Assert.Equal(["open:open", "canceled:done", "match:done", "filled:done"], changes.ToArray());

        await using var publicStream = new KuCoinWebSocketClient(rest, isPrivate: false, Fast);
        await publicStream.StartAsync();
        var refused = await Assert.ThrowsAsync<KuCoinProtocolException>(() => publicStream.SubscribeAsync("/contractMarket/tradeOrders", _ => { }));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A simulator on a stepped clock, our REST client on it, and a live public WebSocket stream.</summary>
    private sealed record Session(SimulatorHarness Sim, KuCoinRestClient Rest, KuCoinWebSocketClient Stream) : IAsyncDisposable
    {
        public static async Task<Session> StartAsync()
        {
            var sim = await SimulatorHarness.StartAsync();
            var rest = sim.Client();
            var stream = new KuCoinWebSocketClient(rest, isPrivate: false, Fast);
            await stream.StartAsync();
            return new Session(sim, rest, stream);
        }

        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            await Sim.DisposeAsync();
        }
    }

    private static async Task AssertBookMatchesSnapshotAsync(KuCoinOrderBookFeed feed, KuCoinRestClient rest, SimulatorHarness sim)
    {
        KuCoinBookSnapshot? snapshot = null;
        (BookLevel[] Bids, BookLevel[] Asks, long Sequence) local = default;
        await Eventually.HoldsAsync(
            () =>
            {
                snapshot = rest.GetBookSnapshotAsync(feed.Topic.Split(':')[1]).GetAwaiter().GetResult();
                return feed.TryRead((book, sequence) => (Top(book, BookSide.Bid), Top(book, BookSide.Ask), sequence), out local) && local.Sequence == snapshot.Sequence;
            },
            "the local book caught up with the exchange's snapshot");
        Assert.Equal(snapshot!.Bids, local.Bids);
        Assert.Equal(snapshot.Asks, local.Asks);
        _ = sim;
    }

    private static BookLevel[] Top(OrderBook book, BookSide side)
    {
        var levels = new BookLevel[(side == BookSide.Bid ? book.BidCount : book.AskCount) + 1];
        return levels[..book.Top(side, levels)];
    }
}
