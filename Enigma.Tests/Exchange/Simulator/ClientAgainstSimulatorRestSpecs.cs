using System.Net;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Enigma.Tests.Exchange.Simulator;

/// <summary>Our KuCoin client against the simulator over real loopback HTTP.</summary>
public sealed class ClientAgainstSimulatorRestSpecs
{
    [Fact]
    public async Task The_client_reads_contracts_tickers_books_and_klines_in_KuCoin_units()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var client = sim.Client();

        var contracts = await client.GetActiveContractsAsync();
        var xbt = Assert.Single(contracts, c => c.Spec.Symbol == "XBTUSDTM");
        Assert.Equal(0.001m, xbt.Spec.Multiplier);
        Assert.Equal(0.1m, xbt.Spec.TickSize);
        Assert.True(xbt.IsOpen);
        Assert.Equal(2, contracts.Count);

        var ticker = await client.GetTickerAsync("XBTUSDTM");
        Assert.True(ticker.BestBid < ticker.BestAsk);
        Assert.InRange(ticker.TimeMs, sim.Server.MarketTimeMs - 300_000, sim.Server.MarketTimeMs);

        var book = await client.GetBookSnapshotAsync("XBTUSDTM");
        Assert.True(book.Bids.Length >= 20 && book.Asks.Length >= 20);
        Assert.Equal(ticker.BestBid, book.Bids[0].Price);

        var klines = await client.GetKlinesAsync("XBTUSDTM", 5);
        Assert.Equal(200, klines.Count);
        Assert.True(klines.Zip(klines.Skip(1), (first, second) => second.OpenTimeMs == first.OpenTimeMs + 300_000).All(next => next));
        Assert.True(klines[^1].OpenTimeMs <= sim.Server.MarketTimeMs);

        var now = sim.Server.MarketTimeMs;
        var history = await client.GetKlineHistoryAsync("ETHUSDTM", 60, now - (3 * 86_400_000L), now);
        Assert.InRange(history.Count, 72, 73);
        Assert.True(history.Zip(history.Skip(1), (first, second) => second.OpenTimeMs == first.OpenTimeMs + 3_600_000).All(next => next));
    }

    [Fact]
    public async Task A_resting_limit_order_fills_when_the_replay_trades_through_it_and_the_account_shows_it()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var client = sim.Client();
        var ticker = await client.GetTickerAsync("XBTUSDTM");
        var price = decimal.Round(ticker.BestBid * 1.05m, 1);

        // A sell far above the market rests; a buy far above it takes at once.
        var resting = await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "rest-1", Symbol = "XBTUSDTM", Side = "sell", Lots = 2, Price = price, Leverage = 5 });
        var taking = await client.PlaceOrderOnceAsync(new KuCoinOrderRequest { ClientOid = "take-1", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 3, Leverage = 5 });
        Assert.False(taking.RecoveredByLookup);

        var open = await client.GetOpenOrdersAsync("XBTUSDTM");
        Assert.Equal(resting, Assert.Single(open).Id);
        var filled = (await client.GetOrderAsync(taking.OrderId))!;
        Assert.True(filled.IsFullyFilled);
        var fills = await client.GetFillsAsync(orderId: taking.OrderId);
        Assert.Equal(3, fills.Sum(f => f.Lots));
        Assert.All(fills, f => Assert.Equal("taker", f.Liquidity));

        var position = await client.GetPositionAsync("XBTUSDTM");
        Assert.Equal(3, position.Lots);
        var account = await client.GetAccountOverviewAsync();
        Assert.Equal(10_000m - fills.Sum(f => f.Fee), account.MarginBalance);
        Assert.True(account.OrderMargin > 0, "the resting sell, placed while flat, holds margin as an opening short");
        Assert.Equal(account.MarginBalance - account.PositionMargin - account.OrderMargin, account.AvailableBalance);
        Assert.Equal("USDT", account.Currency);
        await client.CancelOrderAsync(resting);
        Assert.Empty(await client.GetOpenOrdersAsync("XBTUSDTM"));
        var cancelled = (await client.GetOrderByClientOidAsync("rest-1"))!;
        Assert.True(cancelled.CancelExist);
        Assert.False(cancelled.IsActive);

        // A buy just under the market rests until the replay trades below it, then fills at its price as maker.
        var bid = decimal.Round((await client.GetTickerAsync("XBTUSDTM")).BestBid * 0.998m, 1);
        var limit = await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "rest-2", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = bid, Leverage = 5 });
        for (var step = 0; step < 288 && (await client.GetOrderAsync(limit))!.IsActive; step++)
        {
            sim.Server.Step(TimeSpan.FromMinutes(5));
        }

        var maker = Assert.Single(await client.GetFillsAsync(orderId: limit));
        Assert.Equal(bid, maker.Price);
        Assert.Equal("maker", maker.Liquidity);
        Assert.Equal(4, (await client.GetPositionAsync("XBTUSDTM")).Lots);
    }

    [Fact]
    public async Task A_refused_order_surfaces_KuCoins_code_as_a_typed_error()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var client = sim.Client();
        var error = await Assert.ThrowsAsync<KuCoinApiException>(() => client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "big", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 100_000, Leverage = 1 }));
        Assert.Equal("300003", error.Code);
        Assert.Equal(KuCoinErrorKind.InsufficientFunds, error.Kind);
        Assert.Equal(200, error.HttpStatus);
        Assert.Equal(CircuitState.Closed, client.BreakerState(EndpointGroup.Trading));

        var missing = await Assert.ThrowsAsync<KuCoinApiException>(() => client.CancelOrderAsync("42"));
        Assert.Equal(KuCoinErrorKind.NotFound, missing.Kind);
        Assert.Null(await client.GetOrderAsync("42"));
    }

    [Theory]
    [InlineData("wrong-secret", "enigma-paper-passphrase", "400004")]
    [InlineData("enigma-paper-secret", "wrong-passphrase", "400004")]
    public async Task Bad_credentials_get_KuCoins_authentication_errors_with_HTTP_401(string secret, string passphrase, string code)
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var client = sim.Client(new KuCoinCredentials(SimulatorHarness.Account.ApiKey, secret, passphrase));
        var error = await Assert.ThrowsAsync<KuCoinApiException>(() => client.GetAccountOverviewAsync());
        Assert.Equal(code, error.Code);
        Assert.Equal(401, error.HttpStatus);
        Assert.Equal(KuCoinErrorKind.Authentication, error.Kind);
    }

    [Fact]
    public async Task A_bad_signature_a_stale_timestamp_and_an_unknown_key_are_each_named()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var http = new HttpClient { BaseAddress = sim.Server.BaseAddress };
        var headers = KuCoinSigner.Headers(SimulatorHarness.Credentials, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "GET", "/api/v1/account-overview?currency=XBT", "");

        async Task<string> Send(Action<HttpRequestMessage> tamper)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account-overview?currency=USDT");
            foreach (var (name, value) in headers.All())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            tamper(request);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("\"400005\"", await Send(_ => { }), StringComparison.Ordinal);
        Assert.Contains("\"400003\"", await Send(r => { r.Headers.Remove("KC-API-KEY"); r.Headers.Add("KC-API-KEY", "nobody"); }), StringComparison.Ordinal);
        Assert.Contains("\"400002\"", await Send(r => { r.Headers.Remove("KC-API-TIMESTAMP"); r.Headers.Add("KC-API-TIMESTAMP", "1700000000000"); }), StringComparison.Ordinal);
        Assert.Contains("\"400001\"", await Send(r => r.Headers.Remove("KC-API-SIGN")), StringComparison.Ordinal);

    }

    [Fact]
    public async Task A_clock_thirty_seconds_behind_the_exchange_must_be_corrected_from_its_server_time_not_taken_for_revoked_credentials()
    {
        // More than 5 s of skew makes KuCoin answer 400002. Classed as an authentication failure, it triggered the
        // emergency stop, whose own cancels and exit then failed with the same 400002.
        Assert.Equal(KuCoinErrorKind.ClockSkew, KuCoinErrors.KindOf("400002"));
        await using var sim = await SimulatorHarness.StartAsync();
        var skewed = new SkewedClock { Skew = TimeSpan.FromSeconds(-30) };
        var client = sim.Client(time: skewed);

        var account = await client.GetAccountOverviewAsync();
        Assert.Equal(10_000m, account.AccountEquity);
        Assert.InRange(client.ClockOffset.TotalSeconds, 25, 35);

        // The machine's clock jumps a further minute back: the next signed call is refused once, corrected, and sent again.
        skewed.Skew = TimeSpan.FromSeconds(-90);
        Assert.Equal(10_000m, (await client.GetAccountOverviewAsync()).AccountEquity);
        Assert.InRange(client.ClockOffset.TotalSeconds, 85, 95);
    }

    [Fact]
    public async Task A_placement_whose_reply_is_lost_is_found_by_clientOid_and_never_sent_twice()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var lossy = new LoseRepliesHandler(method: HttpMethod.Post, path: "/api/v1/orders", afterSending: true, times: 1);
        var client = sim.Client(handler: lossy);
        var ticker = await client.GetTickerAsync("XBTUSDTM");
        var order = new KuCoinOrderRequest { ClientOid = "once-1", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = decimal.Round(ticker.BestBid * 0.9m, 1), Leverage = 3 };

        var placed = await client.PlaceOrderOnceAsync(order);

        Assert.True(placed.RecoveredByLookup);
        Assert.Equal(1, lossy.Lost);
        var open = await client.GetOpenOrdersAsync("XBTUSDTM");
        Assert.Equal(placed.OrderId, Assert.Single(open).Id);
    }

    [Fact]
    public async Task The_simulators_lost_reply_switch_carries_the_order_out_and_cuts_the_connection_and_the_client_places_it_once()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var client = sim.Client();
        var ticker = await client.GetTickerAsync("XBTUSDTM");
        var order = new KuCoinOrderRequest { ClientOid = "once-3", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = decimal.Round(ticker.BestBid * 0.9m, 1), Leverage = 3 };

        sim.Server.SetFaults(new FaultSettings { LostReplyShare = 1 });
        await Assert.ThrowsAnyAsync<Exception>(() => client.PlaceOrderOnceAsync(order));
        sim.Server.SetFaults(FaultSettings.None);

        // Every attempt was carried out and never answered: the order exists once (the later ones were refused as
        // the same clientOid), and a client (a fresh one: the first one's breaker opened) finds it.
        var fresh = sim.Client();
        var open = await fresh.GetOpenOrdersAsync("XBTUSDTM");
        Assert.Equal("once-3", Assert.Single(open).ClientOid);
        Assert.Equal(Assert.Single(open).Id, (await fresh.PlaceOrderOnceAsync(order)).OrderId);
    }

    [Fact]
    public async Task A_placement_that_never_arrived_is_sent_again_with_the_same_clientOid()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var lossy = new LoseRepliesHandler(method: HttpMethod.Post, path: "/api/v1/orders", afterSending: false, times: 1);
        var client = sim.Client(handler: lossy);
        var ticker = await client.GetTickerAsync("XBTUSDTM");
        var order = new KuCoinOrderRequest { ClientOid = "once-2", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = decimal.Round(ticker.BestBid * 0.9m, 1), Leverage = 3 };

        var placed = await client.PlaceOrderOnceAsync(order);

        Assert.False(placed.RecoveredByLookup);
        Assert.Equal(2, placed.Attempts);
        Assert.Single(await client.GetOpenOrdersAsync("XBTUSDTM"));
    }

    [Fact]
    public async Task The_breaker_opens_after_five_venue_failures_tries_again_after_a_minute_and_closes_on_success()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = sim.Client(time: time);
        sim.Server.SetFaults(new FaultSettings { ServerErrorShare = 1 });
        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<KuCoinApiException>(() => client.GetTickerAsync("XBTUSDTM"));
            Assert.Equal("500000", error.Code);
        }

        Assert.Equal(CircuitState.Open, client.BreakerState(EndpointGroup.MarketData));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetTickerAsync("XBTUSDTM"));
        Assert.Equal(CircuitState.Closed, client.BreakerState(EndpointGroup.Account));

        sim.Server.SetFaults(FaultSettings.None);
        time.Advance(TimeSpan.FromSeconds(61));
        _ = await client.GetTickerAsync("XBTUSDTM");
        Assert.Equal(CircuitState.Closed, client.BreakerState(EndpointGroup.MarketData));
    }

    [Fact]
    public async Task The_breaker_must_open_after_five_consecutive_venue_failures_even_after_earlier_successes()
    {
        // The seed: the breaker opens after 5 consecutive failures. A ratio over a 10-minute window opened only when
        // every call in it had failed, so after any success the venue could fail on and on with the breaker closed.
        await using var sim = await SimulatorHarness.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = sim.Client(time: time);
        for (var i = 0; i < 5; i++)
        {
            _ = await client.GetTickerAsync("XBTUSDTM");
        }

        sim.Server.SetFaults(new FaultSettings { ServerErrorShare = 1 });
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<KuCoinApiException>(() => client.GetTickerAsync("XBTUSDTM"));
        }

        Assert.Equal(CircuitState.Closed, client.BreakerState(EndpointGroup.MarketData));
        await Assert.ThrowsAsync<KuCoinApiException>(() => client.GetTickerAsync("XBTUSDTM"));
        Assert.Equal(CircuitState.Open, client.BreakerState(EndpointGroup.MarketData));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetTickerAsync("XBTUSDTM"));
    }

    [Fact]
    public async Task Rate_limit_headers_and_429000_close_the_pool_until_its_reset()
    {
        await using var sim = await SimulatorHarness.StartAsync(o => o with { RateLimitQuota = 12 });
        var limiter = new KuCoinRateLimiter();
        using var http = new HttpClient();
        var client = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(sim.Server.BaseAddress, SimulatorHarness.Credentials), limiter);

        // Weight 3 each: four contract reads use the simulator's quota of 12, and its headers say so.
        for (var i = 0; i < 4; i++)
        {
            await client.GetContractAsync("XBTUSDTM");
        }

        Assert.True(limiter.BlockedFor(RateLimitPool.Public) > TimeSpan.FromSeconds(25), $"blocked for {limiter.BlockedFor(RateLimitPool.Public)}");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetContractAsync("XBTUSDTM", cancel.Token));

        // The private pool is separate and still open.
        _ = await client.GetAccountOverviewAsync();
    }

    [Fact]
    public async Task A_key_that_can_move_money_is_refused_and_a_trading_key_passes()
    {
        var unsafeAccount = new SimulatorAccount("withdrawer", "s", "p") { Permissions = "General,Futures,Transfer" };
        await using var sim = await SimulatorHarness.StartAsync(o => o with { Accounts = [SimulatorOptions.DefaultAccount, unsafeAccount] });

        var key = await KuCoinKeySafety.CheckAsync(sim.Client());
        Assert.Contains("Futures", key.Permissions);

        var refused = await Assert.ThrowsAsync<KuCoinConfigurationException>(() => KuCoinKeySafety.CheckAsync(sim.Client(new KuCoinCredentials("withdrawer", "s", "p"))));
        Assert.Contains("Transfer", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\"s\"", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_paths_and_malformed_order_bodies_are_named_in_the_reply()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var http = new HttpClient { BaseAddress = sim.Server.BaseAddress };
        using var missing = await http.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("404000", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(missing.Headers.Contains("gw-ratelimit-remaining"));

        var client = sim.Client();
        var error = await Assert.ThrowsAsync<KuCoinApiException>(() => client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "x", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = 1.05m, Leverage = 1 }));
        Assert.Equal("400100", error.Code);
        Assert.Contains("tick size", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The machine's clock, off by <see cref="Skew"/> (which a spec may change as the run goes on).</summary>
    private sealed class SkewedClock : TimeProvider
    {
        public TimeSpan Skew { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Skew;
    }
}

/// <summary>The network losing a request or its reply: the request reaches the real simulator (or not), the caller sees a dropped connection.</summary>
internal sealed class LoseRepliesHandler(HttpMethod method, string path, bool afterSending, int times) : DelegatingHandler(new HttpClientHandler())
{
    private int _remaining = times;

    public int Lost { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Method == method && request.RequestUri!.AbsolutePath == path && Interlocked.Decrement(ref _remaining) >= 0;
        if (target && !afterSending)
        {
            Lost++;
            throw new HttpRequestException("connection reset before the request was sent (injected)");
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (target)
        {
            Lost++;
            response.Dispose();
            throw new HttpRequestException("connection reset before the reply arrived (injected)");
        }

        return response;
    }

}
