using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Tests.Domain.Exchange;

public sealed class SimulatedExchangeSpecs
{
    private const string Trader = "trader";
    private static readonly ContractSpec Xbt = ContractSpec.XbtUsdtm;
    private static readonly long T0 = DateTimeOffset.Parse("2025-07-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static SimulatedExchange Venue(decimal balance = 10_000m, decimal price = 60_000m)
    {
        var venue = new SimulatedExchange([Xbt]);
        venue.OpenAccount(Trader, balance);
        venue.Advance(Xbt.Symbol, new MarketTick(T0, price, 0));
        venue.TakeEvents();
        return venue;
    }

    private static OrderRequest Limit(string clientOid, OrderSide side, long lots, decimal price, int leverage = 10) => new()
    {
        AccountId = Trader, ClientOid = clientOid, Symbol = Xbt.Symbol, Side = side, Type = ExchangeOrderType.Limit, Lots = lots, Price = price, Leverage = leverage,
    };

    private static OrderRequest Market(string clientOid, OrderSide side, long lots, int leverage = 10) => new()
    {
        AccountId = Trader, ClientOid = clientOid, Symbol = Xbt.Symbol, Side = side, Type = ExchangeOrderType.Market, Lots = lots, Leverage = leverage,
    };

    private static ExchangeOrder Placed(SimulatedExchange venue, OrderRequest request, long now = 0)
    {
        var result = venue.Place(request, now == 0 ? T0 : now);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value!;
    }

    [Fact]
    public void A_market_buy_walks_the_book_and_pays_the_taker_fee_on_every_level()
    {
        var venue = Venue(balance: 1_000_000m);
        var book = venue.Market(Xbt.Symbol)!;
        var firstTwo = book.Asks[0].Lots + book.Asks[1].Lots;
        var lots = (long)firstTwo + 1;

        var order = Placed(venue, Market("m-1", OrderSide.Buy, lots));

        var fills = venue.Fills(Trader);
        Assert.Equal(3, fills.Count);
        Assert.Equal([book.Asks[0].Price, book.Asks[1].Price, book.Asks[2].Price], fills.Select(f => f.Price).ToArray());
        Assert.All(fills, f => Assert.Equal(Liquidity.Taker, f.Liquidity));
        Assert.All(fills, f => Assert.Equal(f.Value * Xbt.TakerFeeRate, f.Fee));
        Assert.Equal(lots, order.FilledLots);
        Assert.False(order.IsActive);
        var position = venue.Position(Trader, Xbt.Symbol)!;
        Assert.Equal(lots, position.Lots);
        Assert.Equal(fills.Sum(f => f.Value) / (lots * Xbt.Multiplier), position.AverageEntry);
        Assert.Equal(1_000_000m - fills.Sum(f => f.Fee), venue.Balance(Trader)!.WalletBalance);
    }

    [Fact]
    public void A_resting_limit_fills_only_when_the_market_trades_through_its_price_as_maker()
    {
        var venue = Venue();
        var order = Placed(venue, Limit("l-1", OrderSide.Buy, 5, 59_900m));
        Assert.True(order.IsActive);
        Assert.Equal(0, order.FilledLots);

        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 1000, 59_900m, 1000));
        Assert.Equal(0, venue.Order(Trader, order.Id)!.FilledLots);

        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 2000, 59_899.9m, 1000));
        var filled = venue.Order(Trader, order.Id)!;
        Assert.Equal(5, filled.FilledLots);
        Assert.False(filled.IsActive);
        var fill = Assert.Single(venue.Fills(Trader));
        Assert.Equal(59_900m, fill.Price);
        Assert.Equal(Liquidity.Maker, fill.Liquidity);
        Assert.Equal(fill.Value * Xbt.MakerFeeRate, fill.Fee);
    }

    [Fact]
    public void A_resting_limit_fills_partially_when_less_volume_trades_than_it_needs()
    {
        var venue = Venue();
        var order = Placed(venue, Limit("l-1", OrderSide.Sell, 10, 60_100m));
        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 1000, 60_200m, 4));
        Assert.Equal(4, venue.Order(Trader, order.Id)!.FilledLots);
        Assert.True(venue.Order(Trader, order.Id)!.IsActive);
        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 2000, 60_300m, 100));
        Assert.Equal(10, venue.Order(Trader, order.Id)!.FilledLots);
        Assert.Equal(-10, venue.Position(Trader, Xbt.Symbol)!.Lots);
        var events = venue.TakeEvents().OfType<OrderChanged>().Select(e => e.Kind).ToArray();
        Assert.Equal([OrderChangeKind.Open, OrderChangeKind.Match, OrderChangeKind.Match, OrderChangeKind.Filled], events);
    }

    [Fact]
    public void A_post_only_order_that_would_take_is_cancelled_whole()
    {
        var venue = Venue();
        var order = Placed(venue, Limit("p-1", OrderSide.Buy, 1, 60_500m) with { PostOnly = true });
        Assert.False(order.IsActive);
        Assert.True(order.CancelExist);
        Assert.Equal(0, order.FilledLots);
        Assert.Empty(venue.Fills(Trader));
    }

    [Fact]
    public void Orders_the_exchange_would_refuse_are_refused_with_its_codes()
    {
        var venue = Venue(balance: 100m);
        Assert.Equal("300003", venue.Place(Limit("a", OrderSide.Buy, 100, 59_000m), T0).Error?.Code);
        Assert.Equal("400100", venue.Place(Limit("b", OrderSide.Buy, 1, 59_000.05m), T0).Error?.Code);
        Assert.Equal("400100", venue.Place(Limit("c", OrderSide.Buy, 0, 59_000m), T0).Error?.Code);
        Assert.Equal("300016", venue.Place(Limit("d", OrderSide.Buy, 1, 59_000m, leverage: 200), T0).Error?.Code);
        Assert.Equal("300009", venue.Place(Market("e", OrderSide.Sell, 1) with { ReduceOnly = true }, T0).Error?.Code);
        Assert.Equal("400100", venue.Place(Limit("bad id!", OrderSide.Buy, 1, 59_000m), T0).Error?.Code);
        Assert.Equal("100003", venue.Place(Limit("f", OrderSide.Buy, 1, 59_000m) with { Symbol = "NOPEUSDTM" }, T0).Error?.Code);
        Placed(venue, Limit("g", OrderSide.Buy, 1, 59_000m));
        Assert.Equal("300018", venue.Place(Limit("g", OrderSide.Buy, 1, 59_000m), T0).Error?.Code);
        Assert.Single(venue.Orders(Trader));
    }

    [Fact]
    public void Cancelling_releases_the_reserved_margin_and_a_second_cancel_is_refused()
    {
        var venue = Venue();
        var order = Placed(venue, Limit("l-1", OrderSide.Buy, 10, 59_000m));
        var reserved = venue.Balance(Trader)!.OrderMargin;
        Assert.Equal((10 * 0.001m * 59_000m / 10) + (10 * 0.001m * 59_000m * Xbt.TakerFeeRate), reserved);

        Assert.True(venue.Cancel(Trader, order.Id, T0 + 1).IsSuccess);
        Assert.Equal(0, venue.Balance(Trader)!.OrderMargin);
        Assert.Equal(10_000m, venue.Balance(Trader)!.AvailableBalance);
        Assert.Equal("100004", venue.Cancel(Trader, order.Id, T0 + 2).Error?.Code);
    }

    [Fact]
    public void A_stop_loss_closes_a_long_when_the_price_falls_to_it_and_never_flips_it()
    {
        var venue = Venue();
        Placed(venue, Market("entry", OrderSide.Buy, 3));
        var stop = Placed(venue, Market("stop", OrderSide.Sell, 5) with { ReduceOnly = true, Stop = StopDirection.Down, StopPrice = 59_000m, StopReference = StopReference.Mark });
        Assert.True(stop.IsUntriggeredStop);

        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 1000, 59_500m, 10));
        Assert.True(venue.Order(Trader, stop.Id)!.IsActive);
        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 2000, 58_990m, 10));

        var triggered = venue.Order(Trader, stop.Id)!;
        Assert.True(triggered.StopTriggered);
        Assert.Equal(3, triggered.FilledLots);
        Assert.False(triggered.IsActive);
        Assert.Equal(0, venue.Position(Trader, Xbt.Symbol)!.Lots);
    }

    [Fact]
    public void Funding_settles_at_KuCoin_times_and_a_long_pays_a_positive_rate()
    {
        Assert.Equal(T0 + (4 * 3_600_000L), SimulatedExchange.NextFundingTime(T0, 8 * 3_600_000L));
        Assert.Equal(T0 + (12 * 3_600_000L), SimulatedExchange.NextFundingTime(T0 + (4 * 3_600_000L), 8 * 3_600_000L));

        var venue = Venue();
        Placed(venue, Market("entry", OrderSide.Buy, 10));
        var before = venue.Balance(Trader)!.WalletBalance;
        venue.Advance(Xbt.Symbol, new MarketTick(T0 + (3 * 3_600_000L), 61_000m, 1));
        Assert.Equal(before, venue.Balance(Trader)!.WalletBalance);

        venue.Advance(Xbt.Symbol, new MarketTick(T0 + (4 * 3_600_000L), 61_500m, 1));
        var funding = Assert.Single(venue.TakeEvents().OfType<FundingCharged>());
        Assert.Equal(10 * 0.001m * 61_000m * 0.0001m, funding.Fee);
        Assert.Equal(before - funding.Fee, venue.Balance(Trader)!.WalletBalance);
        Assert.Equal(funding.Fee, venue.Position(Trader, Xbt.Symbol)!.FundingPaid);
    }

    [Fact]
    public void A_long_past_its_liquidation_price_is_closed_at_bankruptcy_and_loses_exactly_its_margin()
    {
        var venue = Venue();
        Placed(venue, Market("entry", OrderSide.Buy, 10, leverage: 10));
        var position = venue.Position(Trader, Xbt.Symbol)!;
        var margin = position.Margin(Xbt);
        var liquidation = position.LiquidationPrice(Xbt);
        var walletAfterEntry = venue.Balance(Trader)!.WalletBalance;

        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 1000, Xbt.CeilingToTick(liquidation) + Xbt.TickSize, 1));
        Assert.Equal(10, venue.Position(Trader, Xbt.Symbol)!.Lots);
        venue.Advance(Xbt.Symbol, new MarketTick(T0 + 2000, Xbt.FloorToTick(liquidation), 1));

        Assert.Equal(0, venue.Position(Trader, Xbt.Symbol)!.Lots);
        var liquidationFill = venue.Fills(Trader)[^1];
        Assert.Equal(FillKind.Liquidation, liquidationFill.Kind);
        Assert.Equal(position.BankruptcyPrice, liquidationFill.Price);
        Assert.Equal(walletAfterEntry - margin, venue.Balance(Trader)!.WalletBalance, 18);
    }

    [Fact]
    public void The_book_has_at_least_twenty_levels_a_side_and_is_never_crossed()
    {
        var venue = Venue();
        var random = new Random(7);
        var price = 60_000m;
        for (var i = 1; i <= 500; i++)
        {
            price = Xbt.FloorToTick(price * (1 + ((decimal)random.NextDouble() - 0.5m) * 0.002m));
            venue.Advance(Xbt.Symbol, new MarketTick(T0 + (i * 1000L), price, 50));
            var book = venue.Market(Xbt.Symbol)!;
            Assert.True(book.Bids.Length >= 20 && book.Asks.Length >= 20, $"step {i}: {book.Bids.Length} bids, {book.Asks.Length} asks");
            Assert.True(book.Bids[0].Price < book.Asks[0].Price, $"step {i}: crossed at {book.Bids[0].Price} / {book.Asks[0].Price}");
        }
    }

    [Fact]
    public void Level2_changes_are_consecutive_and_rebuild_exactly_the_published_book()
    {
        var venue = new SimulatedExchange([Xbt]);
        venue.OpenAccount(Trader, 1_000_000m);
        var local = new OrderBook();
        var expectedSequence = 1L;
        var random = new Random(11);
        var price = 60_000m;
        for (var i = 0; i < 300; i++)
        {
            price = Xbt.FloorToTick(price * (1 + ((decimal)random.NextDouble() - 0.5m) * 0.003m));
            venue.Advance(Xbt.Symbol, new MarketTick(T0 + (i * 1000L), price, 20));
            if (i % 10 == 5)
            {
                venue.Place(Market($"m{i}", i % 20 == 5 ? OrderSide.Buy : OrderSide.Sell, 400), T0 + (i * 1000L));
                venue.Place(Limit($"l{i}", OrderSide.Buy, 7, price - 30m), T0 + (i * 1000L));
            }

            foreach (var change in venue.TakeEvents().OfType<BookLevelChanged>())
            {
                Assert.Equal(expectedSequence++, change.Sequence);
                local.Set(change.Side, change.Price, change.Lots);
                Assert.False(local.IsCrossed, $"crossed after #{change.Sequence}");
            }

            var published = venue.Market(Xbt.Symbol)!;
            var bids = new BookLevel[published.Bids.Length + 1];
            var asks = new BookLevel[published.Asks.Length + 1];
            Assert.Equal(published.Bids, bids[..local.Top(BookSide.Bid, bids)]);
            Assert.Equal(published.Asks, asks[..local.Top(BookSide.Ask, asks)]);
            Assert.Equal(published.Sequence, expectedSequence - 1);
        }
    }

    [Fact]
    public void The_same_calls_give_the_same_events()
    {
        static string Run()
        {
            var venue = Venue(balance: 50_000m);
            var path = IntraCandlePath.Build(new Candle(T0, 60_000m, 60_400m, 59_700m, 60_100m, 120m), 300_000, Xbt, 20, seed: 3);
            Placed(venue, Limit("l", OrderSide.Buy, 50, 59_800m));
            Placed(venue, Limit("s", OrderSide.Sell, 30, 60_300m));
            foreach (var tick in path)
            {
                venue.Advance(Xbt.Symbol, tick);
            }

            return string.Join('\n', venue.TakeEvents().Select(e => e.ToString()));
        }

        var first = Run();
        Assert.Contains("Match", first, StringComparison.Ordinal);
        Assert.Equal(first, Run());
    }
}
