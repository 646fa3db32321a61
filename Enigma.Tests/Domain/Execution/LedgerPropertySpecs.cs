using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using FsCheck.Xunit;

namespace Enigma.Tests.Domain.Execution;

/// <summary>Random order histories: placements, acceptances, partial fills at random prices, cancels and funding.</summary>
public sealed class LedgerPropertySpecs
{
    private static readonly ContractSpec Btc = ContractSpec.XbtUsdtm;

    /// <summary>
    /// Drives a random but legal history from a seed, applying each event live as it is produced (the generator looks at
    /// the live state to decide what may happen next), and records the events as a journal would.
    /// </summary>
    private static (ExecutionState Live, List<ExecutionEvent> Journal, decimal Mark, decimal ExpectedEquity) History(int seed)
    {
        var random = new Random(seed);
        var state = ExecutionState.Start(Btc, 5_000m);
        var journal = new List<ExecutionEvent>();
        var cashFlows = 5_000m;
        var fillValue = new List<(long SignedLots, decimal Price)>();
        var time = 0L;
        var price = 60_000m;
        var orders = 0;
        for (var step = 0; step < 60; step++)
        {
            price = Math.Max(1_000m, price + random.Next(-300, 301));
            var open = state.Orders.Values.Where(o => !o.IsFinal).ToList();
            ExecutionEvent e;
            var roll = random.Next(100);
            if (open.Count == 0 || roll < 25)
            {
                var side = random.Next(2) == 0 ? OrderSide.Buy : OrderSide.Sell;
                e = new OrderPlaced(++time, new Order($"o{++orders}", "XBTUSDTM", side, OrderType.Limit, OrderPurpose.Entry, random.Next(1, 20), price, null, false, price));
            }
            else
            {
                var order = open[random.Next(open.Count)];
                if (roll < 35 && order.Status == OrderStatus.New)
                {
                    e = new OrderAccepted(++time, order.ClientOrderId, $"x{order.ClientOrderId}");
                }
                else if (roll < 85)
                {
                    var lots = random.Next(1, (int)order.RemainingLots + 1);
                    var fillPrice = price + random.Next(-20, 21);
                    var fee = Btc.Notional(lots, fillPrice) * (random.Next(2) == 0 ? Btc.MakerFeeRate : Btc.TakerFeeRate);
                    e = new OrderFilled(++time, order.ClientOrderId, $"t{time}", lots, fillPrice, fee, Liquidity.Maker);
                    fillValue.Add((order.OrderSide == OrderSide.Buy ? lots : -lots, fillPrice));
                    cashFlows -= fee;
                }
                else if (roll < 92)
                {
                    e = new OrderCancelled(++time, order.ClientOrderId, "strategy");
                }
                else
                {
                    var rate = random.Next(-10, 11) / 10_000m;
                    var amount = Btc.Funding(state.Position.Lots, price, rate);
                    e = new FundingSettled(++time, rate, price, amount);
                    cashFlows -= amount;
                }
            }

            state = ExecutionLedger.Apply(state, e);
            journal.Add(e);
        }

        // Independent of average-cost bookkeeping: every fill marked to the final price, plus cash flows.
        var expected = cashFlows + fillValue.Sum(f => f.SignedLots * Btc.Multiplier * (price - f.Price));
        return (state, journal, price, expected);
    }

    [Property(MaxTest = 300)]
    public void Equity_must_equal_cash_plus_unrealised_PnL_after_any_history(int seed)
    {
        var (live, _, mark, expected) = History(seed);

        // The average entry is a quotient, which decimal carries to 28 significant digits: the two ways of counting
        // may differ in the 25th decimal place of a dollar, never anywhere that money is.
        Close(expected, live.Equity(mark), "equity against fills marked to market");
        Assert.Equal(live.Cash + live.Position.UnrealisedPnl(Btc, mark), live.Equity(mark));
        Close(5_000m + live.Position.RealizedPnl - live.Position.FeesPaid - live.Position.FundingPaid, live.Cash, "cash against its parts");
    }

    private static void Close(decimal expected, decimal actual, string what)
    {
        Assert.True(Math.Abs(expected - actual) < 1e-18m, $"{what}: expected {expected}, got {actual}");
    }

    [Property(MaxTest = 300)]
    public void Replaying_the_journal_must_rebuild_exactly_the_live_state(int seed)
    {
        var (live, journal, _, _) = History(seed);
        var replayed = ExecutionLedger.Replay(ExecutionState.Start(Btc, 5_000m), journal);
        Assert.Equal(live.Position, replayed.Position);
        Assert.Equal(live.Cash, replayed.Cash);
        Assert.Equal(live.Quality, replayed.Quality);
        Assert.Equal(live.EventCount, replayed.EventCount);
        Assert.Equal(live.Orders.OrderBy(o => o.Key, StringComparer.Ordinal), replayed.Orders.OrderBy(o => o.Key, StringComparer.Ordinal));
    }

    [Property(MaxTest = 200)]
    public void Filled_lots_must_never_exceed_an_orders_size_and_final_orders_stay_final(int seed)
    {
        var (live, journal, _, _) = History(seed);
        Assert.All(live.Orders.Values, o => Assert.InRange(o.FilledLots, 0, o.Lots));
        Assert.All(live.Orders.Values.Where(o => o.Status == OrderStatus.Filled), o => Assert.Equal(o.Lots, o.FilledLots));
        var netFilled = journal.OfType<OrderFilled>().Sum(f => live.Orders[f.ClientOrderId].OrderSide == OrderSide.Buy ? f.Lots : -f.Lots);
        Assert.Equal(netFilled, live.Position.Lots);
    }
}
