using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Tests.Domain.Execution;

public sealed class ExecutionSpecs
{
    private static readonly ContractSpec Btc = ContractSpec.XbtUsdtm;

    private static BookLevel[] Levels(decimal best, decimal step, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new BookLevel(best + (i * step), 10))];

    [Fact]
    public void A_long_must_enter_at_the_9th_bid_and_a_short_at_the_9th_ask()
    {
        var bids = Levels(59_999.9m, -0.1m, 20);
        var asks = Levels(60_000.1m, 0.1m, 20);
        var buy = EntryPricing.Discover(Side.Long, bids, asks, 0.001m);
        var sell = EntryPricing.Discover(Side.Short, bids, asks, 0.001m);
        Assert.Equal((59_999.1m, 9, true), (buy.Price, buy.Level, buy.IsOk));
        Assert.Equal((60_000.9m, 9, true), (sell.Price, sell.Level, sell.IsOk));
        Assert.Equal(60_000m, buy.Mid);
    }

    [Fact]
    public void A_thin_book_must_use_its_deepest_level_and_an_empty_side_must_refuse()
    {
        var quote = EntryPricing.Discover(Side.Long, Levels(100m, -1m, 4), Levels(101m, 1m, 4), 0.1m);
        Assert.Equal((97m, 4), (quote.Price, quote.Level));
        Assert.Equal(EntryPricingError.BookEmpty, EntryPricing.Discover(Side.Short, Levels(100m, -1m, 4), [], 0.1m).Error);
    }

    [Fact]
    public void An_entry_too_far_from_mid_must_be_SLIPPAGE_EXCEEDED()
    {
        var quote = EntryPricing.Discover(Side.Long, Levels(100m, -1m, 10), Levels(101m, 1m, 10), 0.05m);
        Assert.Equal(EntryPricingError.SlippageExceeded, quote.Error);
        Assert.Equal(8.5m / 100.5m, quote.Slippage);
    }

    [Fact]
    public void Client_order_ids_must_be_deterministic_unique_and_at_most_40_characters()
    {
        var id = ClientOrderIds.For("XBTUSDTM", 1_751_562_300_000, OrderPurpose.Entry);
        Assert.Equal(id, ClientOrderIds.For("XBTUSDTM", 1_751_562_300_000, OrderPurpose.Entry));
        Assert.Equal("XBTUSDTM-mcnmywdc-E0", id);
        var ids = new HashSet<string>();
        foreach (var purpose in Enum.GetValues<OrderPurpose>())
        {
            for (var t = 0; t < 50; t++)
            {
                for (var sequence = 0; sequence < 3; sequence++)
                {
                    Assert.True(ids.Add(ClientOrderIds.For("XBTUSDTM", 1_751_562_300_000 + (t * 300_000), purpose, sequence)));
                }
            }
        }

        var longest = ClientOrderIds.For("AVERYLONGSYMBOLNAMEUSDTM1000", long.MaxValue, OrderPurpose.EmergencyExit, int.MaxValue);
        Assert.InRange(longest.Length, 1, 40);
        Assert.NotEqual(longest, ClientOrderIds.For("AVERYLONGSYMBOLNAMEUSDTM2000", long.MaxValue, OrderPurpose.EmergencyExit, int.MaxValue));
        Assert.Throws<ArgumentException>(() => ClientOrderIds.Require("has spaces in it"));
        Assert.Throws<ArgumentException>(() => ClientOrderIds.Require(new string('a', 41)));
    }

    [Fact]
    public void Orders_must_take_their_types_from_their_purpose_and_market_orders_only_exit()
    {
        var approved = RiskGate.Evaluate(new RiskRequest(Btc, Side.Long, 60_000m, 0.5, []), new PortfolioView(10_000m, 10_000m, 0, [])).Order!;
        var entry = Order.Entry(approved, "e1");
        var stop = Order.StopLoss(approved, "s1");
        var takeProfit = Order.TakeProfit(approved, "t1");
        var exit = Order.EmergencyExit("XBTUSDTM", Side.Long, 166, 59_000m, "x1");
        Assert.Equal((OrderType.Limit, OrderSide.Buy, false, 60_000m), (entry.Type, entry.OrderSide, entry.ReduceOnly, entry.Price!.Value));
        Assert.Equal((OrderType.StopMarket, OrderSide.Sell, true, approved.StopPrice), (stop.Type, stop.OrderSide, stop.ReduceOnly, stop.StopPrice!.Value));
        Assert.Equal((OrderType.TakeProfitMarket, OrderSide.Sell, true), (takeProfit.Type, takeProfit.OrderSide, takeProfit.ReduceOnly));
        Assert.Equal((OrderType.Market, OrderSide.Sell, true, OrderPurpose.EmergencyExit), (exit.Type, exit.OrderSide, exit.ReduceOnly, exit.Purpose));
    }

    [Fact]
    public void The_order_state_machine_must_allow_exactly_the_legal_moves()
    {
        var legal = new HashSet<(OrderStatus, OrderStatus)>
        {
            (OrderStatus.New, OrderStatus.Open), (OrderStatus.New, OrderStatus.PartiallyFilled), (OrderStatus.New, OrderStatus.Filled),
            (OrderStatus.New, OrderStatus.Cancelled), (OrderStatus.New, OrderStatus.Rejected), (OrderStatus.New, OrderStatus.Expired),
            (OrderStatus.Open, OrderStatus.PartiallyFilled), (OrderStatus.Open, OrderStatus.Filled), (OrderStatus.Open, OrderStatus.Cancelled), (OrderStatus.Open, OrderStatus.Expired),
            (OrderStatus.PartiallyFilled, OrderStatus.PartiallyFilled), (OrderStatus.PartiallyFilled, OrderStatus.Filled),
            (OrderStatus.PartiallyFilled, OrderStatus.Cancelled), (OrderStatus.PartiallyFilled, OrderStatus.Expired),
        };
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                Assert.Equal(legal.Contains((from, to)), OrderStateMachine.CanMove(from, to));
            }
        }

        var filled = Order.EmergencyExit("XBTUSDTM", Side.Long, 1, 1m, "x1") with { Status = OrderStatus.Filled };
        var error = Assert.Throws<InvalidOperationException>(() => OrderStateMachine.Move(filled, OrderStatus.Open));
        Assert.Equal("Order x1 cannot go from Filled to Open.", error.Message);
    }

    [Fact]
    public void Fills_must_average_the_entry_realise_on_reduction_and_flip_through_zero()
    {
        var state = ExecutionState.Start(Btc, 10_000m);
        var buy = new Order("b1", "XBTUSDTM", OrderSide.Buy, OrderType.Limit, OrderPurpose.Entry, 3, 60_000m, null, false, 60_000m);
        var sell = new Order("s1", "XBTUSDTM", OrderSide.Sell, OrderType.Limit, OrderPurpose.Entry, 4, 61_000m, null, false, 61_000m);
        state = ExecutionLedger.Replay(state,
        [
            new OrderPlaced(1, buy),
            new OrderAccepted(2, "b1", "x-1"),
            new OrderFilled(3, "b1", "t1", 1, 60_000m, 0.012m, Liquidity.Maker),
            new OrderFilled(4, "b1", "t2", 2, 60_300m, 0.024m, Liquidity.Maker),
        ]);
        Assert.Equal(OrderStatus.Filled, state.Orders["b1"].Status);
        Assert.Equal((3L, 60_200m), (state.Position.Lots, state.Position.AverageEntry));
        Assert.Equal(3 * 0.001m * 800m, state.Position.UnrealisedPnl(Btc, 61_000m));
        Assert.Equal(2.4m / (3 * 0.001m * 60_200m / 10m) * 100, Enigma.Domain.Risk.RiskFormulas.Roi(Side.Long, state.Position.AverageEntry, 61_000m, 10m), 20);

        state = ExecutionLedger.Replay(state,
        [
            new OrderPlaced(5, sell),
            new OrderFilled(6, "s1", "t3", 4, 61_000m, 0.1464m, Liquidity.Taker),
            new FundingSettled(7, 0.0001m, 61_000m, Btc.Funding(-1, 61_000m, 0.0001m)),
        ]);
        Assert.Equal((-1L, 61_000m), (state.Position.Lots, state.Position.AverageEntry));
        Assert.Equal(2.4m, state.Position.RealizedPnl);                       // 3 lots × 0.001 × (61000 − 60200)
        Assert.Equal(0.1824m, state.Position.FeesPaid);
        Assert.Equal(-0.0061m, state.Position.FundingPaid);                   // a short receives a positive rate
        Assert.Equal(10_000m + 2.4m - 0.1824m + 0.0061m, state.Cash);
        Assert.Equal(7, state.EventCount);
    }

    [Fact]
    public void Every_closed_position_must_leave_a_round_trip_with_its_net_pnl_and_the_losing_streak_counts_them_newest_first()
    {
        var state = ExecutionState.Start(Btc, 10_000m);
        Order Entry(string id, OrderSide side, long lots) => new(id, "XBTUSDTM", side, OrderType.Limit, OrderPurpose.Entry, lots, 60_000m, null, false, 60_000m);
        state = ExecutionLedger.Replay(state,
        [
            new OrderPlaced(1, Entry("b1", OrderSide.Buy, 2)),
            new OrderFilled(2, "b1", "t1", 2, 60_000m, 0.05m, Liquidity.Maker),
            new OrderPlaced(3, Entry("s1", OrderSide.Sell, 2)),
            new OrderFilled(4, "s1", "t2", 2, 59_000m, 0.05m, Liquidity.Taker), // a loss: 2 × 0.001 × −1000 − fees
        ]);
        var loss = Assert.Single(state.RecentRoundTrips);
        Assert.Equal(new RoundTrip(Side.Long, 2, 4, -2m - 0.1m), loss);
        Assert.Equal(state.Cash - 10_000m, loss.NetPnl);

        // A flip closes one position and opens the next: the round trip ends at the flip.
        state = ExecutionLedger.Replay(state,
        [
            new OrderPlaced(5, Entry("s2", OrderSide.Sell, 1)),
            new OrderFilled(6, "s2", "t3", 1, 60_000m, 0m, Liquidity.Maker),
            new OrderPlaced(7, Entry("b2", OrderSide.Buy, 2)),
            new OrderFilled(8, "b2", "t4", 2, 60_500m, 0m, Liquidity.Maker),   // the short loses 0.5; now long 1
        ]);
        Assert.Equal(2, state.RecentRoundTrips.Count);
        Assert.Equal(new RoundTrip(Side.Short, 6, 8, -0.5m), state.RecentRoundTrips[1]);
        Assert.Equal(2, LosingStreak.Of(state.RecentRoundTrips));

        // Across symbols, by closing time: a win in between ends the streak.
        var other = new[] { new RoundTrip(Side.Long, 5, 7, 3m) };
        Assert.Equal(1, LosingStreak.Of(state.RecentRoundTrips.Concat(other)));
        Assert.Equal(0, LosingStreak.Of([]));
    }

    [Fact]
    public void Impossible_events_must_be_refused_with_the_order_named()
    {
        var state = ExecutionLedger.Apply(ExecutionState.Start(Btc, 1_000m),
            new OrderPlaced(1, new Order("b1", "XBTUSDTM", OrderSide.Buy, OrderType.Limit, OrderPurpose.Entry, 2, 60_000m, null, false, 60_000m)));
        Assert.Contains("b1", Assert.Throws<InvalidOperationException>(() => ExecutionLedger.Apply(state, new OrderFilled(2, "b1", "t", 3, 60_000m, 0, Liquidity.Maker))).Message, StringComparison.Ordinal);
        Assert.Contains("already placed", Assert.Throws<InvalidOperationException>(() => ExecutionLedger.Apply(state, new OrderPlaced(2, state.Orders["b1"]))).Message, StringComparison.Ordinal);
        Assert.Contains("No order zz", Assert.Throws<InvalidOperationException>(() => ExecutionLedger.Apply(state, new OrderCancelled(2, "zz", "user"))).Message, StringComparison.Ordinal);
        var cancelled = ExecutionLedger.Apply(state, new OrderCancelled(2, "b1", "user"));
        Assert.Throws<InvalidOperationException>(() => ExecutionLedger.Apply(cancelled, new OrderFilled(3, "b1", "t", 1, 60_000m, 0, Liquidity.Maker)));
        Assert.Throws<InvalidOperationException>(() => ExecutionLedger.Apply(state, new OrderPlaced(2, state.Orders["b1"] with { ClientOrderId = "e1", Symbol = "ETHUSDTM" })));
    }
}
