using System.Collections.Immutable;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Tests.Domain.Execution;

/// <summary>The protective-order state machine, pure: the decisions it takes from a journal's state.</summary>
public sealed class ProtectiveOrdersSpecs
{
    private const long Decided = 1_751_562_300_000;
    private static readonly ContractSpec Btc = ContractSpec.XbtUsdtm;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly SizedOrder Long = new(Btc.Symbol, Side.Long, 10, 5, 60_000m, 57_000m, 63_000m, 48_000m, 1_200m, 30m, 1);

    private static string Id(OrderPurpose purpose, int sequence = 0) => ClientOrderIds.For(Btc.Symbol, Decided, purpose, sequence);

    /// <summary>The approval's entry, stop and target placed and accepted.</summary>
    private static ExecutionState Placed()
    {
        var events = new List<ExecutionEvent>
        {
            new OrderPlaced(1, Order.Entry(Long, Id(OrderPurpose.Entry))),
            new OrderPlaced(1, Order.StopLoss(Long, Id(OrderPurpose.StopLoss))),
            new OrderPlaced(1, Order.TakeProfit(Long, Id(OrderPurpose.TakeProfit))),
        };
        events.AddRange(new[] { OrderPurpose.Entry, OrderPurpose.StopLoss, OrderPurpose.TakeProfit }.Select(p => (ExecutionEvent)new OrderAccepted(2, Id(p), "x" + p)));
        return ExecutionLedger.Replay(ExecutionState.Start(Btc, 10_000m), events);
    }

    private static ExecutionState Then(ExecutionState state, params ExecutionEvent[] events) => ExecutionLedger.Replay(state, events);

    private static OrderFilled Fill(OrderPurpose purpose, long lots, decimal price, string trade) => new(3, Id(purpose), trade, lots, price, 0.1m, Liquidity.Taker);

    private static ProtectionView View(long? unprotectedSince = null, params string[] unplaced) =>
        new(ImmutableHashSet<string>.Empty, unplaced.ToImmutableHashSet(), unprotectedSince);

    [Fact]
    public void A_protected_position_needs_nothing_and_a_stop_larger_than_the_filled_size_protects_it()
    {
        var state = Then(Placed(), Fill(OrderPurpose.Entry, 4, 60_000m, "t1"));
        Assert.True(ProtectiveOrders.IsProtected(state));
        Assert.Empty(ProtectiveOrders.Decide(state, View(), 10_000, Deadline));
    }

    [Fact]
    public void A_filled_entry_whose_stop_was_cancelled_gets_a_new_stop_with_the_next_id_covering_what_is_filled_and_may_still_fill()
    {
        var state = Then(Placed(), Fill(OrderPurpose.Entry, 4, 60_000m, "t1"), new OrderCancelled(4, Id(OrderPurpose.StopLoss), "expiry race"));
        Assert.False(ProtectiveOrders.IsProtected(state));

        var place = Assert.Single(ProtectiveOrders.Decide(state, View(), 10_000, Deadline).OfType<PlaceProtectiveOrder>());
        Assert.Equal(Id(OrderPurpose.StopLoss, 1), place.Order.ClientOrderId);
        Assert.Equal((OrderSide.Sell, 10L, 57_000m, true), (place.Order.OrderSide, place.Order.Lots, place.Order.StopPrice!.Value, place.Order.ReduceOnly));

        // The same state decides the same again: a restart continues where it stopped.
        Assert.Equal(place, ProtectiveOrders.Decide(state, View(), 10_000, Deadline).OfType<PlaceProtectiveOrder>().Single());
    }

    [Fact]
    public void When_the_stop_fills_the_target_is_cancelled_and_when_the_target_fills_the_stop()
    {
        var filled = Then(Placed(), Fill(OrderPurpose.Entry, 10, 60_000m, "t1"));
        var stopped = Then(filled, Fill(OrderPurpose.StopLoss, 10, 57_000m, "t2"));
        Assert.Equal([Id(OrderPurpose.TakeProfit)], ProtectiveOrders.Decide(stopped, View(), 10_000, Deadline).OfType<CancelOrder>().Select(c => c.ClientOrderId));
        var targeted = Then(filled, Fill(OrderPurpose.TakeProfit, 10, 63_000m, "t2"));
        Assert.Equal([Id(OrderPurpose.StopLoss)], ProtectiveOrders.Decide(targeted, View(), 10_000, Deadline).OfType<CancelOrder>().Select(c => c.ClientOrderId));
    }

    [Fact]
    public void An_entry_that_ended_without_a_fill_takes_its_stop_and_target_with_it_but_an_entry_still_working_keeps_them()
    {
        Assert.Empty(ProtectiveOrders.Decide(Placed(), View(), 10_000, Deadline));
        var refused = Then(Placed(), new OrderCancelled(4, Id(OrderPurpose.Entry), "expired"));
        var cancels = ProtectiveOrders.Decide(refused, View(), 10_000, Deadline).OfType<CancelOrder>().Select(c => c.ClientOrderId).Order();
        Assert.Equal([Id(OrderPurpose.StopLoss), Id(OrderPurpose.TakeProfit)], cancels);
    }

    [Fact]
    public void A_stop_the_exchange_never_received_is_sent_again_with_its_own_id()
    {
        var state = ExecutionLedger.Replay(ExecutionState.Start(Btc, 10_000m), [
            new OrderPlaced(1, Order.Entry(Long, Id(OrderPurpose.Entry))), new OrderPlaced(1, Order.StopLoss(Long, Id(OrderPurpose.StopLoss))),
            new OrderAccepted(2, Id(OrderPurpose.Entry), "e"), Fill(OrderPurpose.Entry, 10, 60_000m, "t1")]);
        var actions = ProtectiveOrders.Decide(state, View(5_000, Id(OrderPurpose.StopLoss)), 6_000, Deadline);
        Assert.Equal(Id(OrderPurpose.StopLoss), Assert.Single(actions.OfType<ResendOrder>()).ClientOrderId);
        Assert.Empty(actions.OfType<PlaceProtectiveOrder>());
    }

    [Fact]
    public void A_position_unprotected_past_the_deadline_is_closed_at_market_once()
    {
        var state = Then(Placed(), Fill(OrderPurpose.Entry, 10, 60_000m, "t1"), new OrderCancelled(4, Id(OrderPurpose.StopLoss), "gone"));
        Assert.Empty(ProtectiveOrders.Decide(state, View(5_000), 14_999, Deadline).OfType<CloseUnprotected>());
        var close = Assert.Single(ProtectiveOrders.Decide(state, View(5_000), 15_000, Deadline));
        Assert.Equal((10L, 10_000L), (Assert.IsType<CloseUnprotected>(close).Lots, ((CloseUnprotected)close).UnprotectedForMs));

        // From then on the emergency close decides alone: its exit is sized from the exchange's position.
        var closing = Then(state, new EmergencyCloseRequested(15_000, "position without stop"));
        Assert.Empty(ProtectiveOrders.Decide(closing, View(5_000), 16_000, Deadline));
        Assert.Equal(10, Assert.Single(EmergencyCloser.Decide(closing, 10, View()).OfType<PlaceProtectiveOrder>()).Order.Lots);
    }

    [Fact]
    public void A_replacement_stop_once_working_takes_the_place_of_the_one_it_replaced()
    {
        var state = Then(Placed(), Fill(OrderPurpose.Entry, 10, 60_000m, "t1"));
        var bigger = Order.StopLoss(Long, Id(OrderPurpose.StopLoss, 1)) with { Lots = 12 };
        var replaced = Then(state, new OrderPlaced(5, bigger));
        Assert.DoesNotContain(ProtectiveOrders.Decide(replaced, View(), 6, Deadline), a => a is CancelOrder);
        var working = Then(replaced, new OrderAccepted(6, bigger.ClientOrderId, "s1"));
        Assert.Equal([Id(OrderPurpose.StopLoss)], ProtectiveOrders.Decide(working, View(), 7, Deadline).OfType<CancelOrder>().Select(c => c.ClientOrderId));
    }

    [Fact]
    public void An_emergency_close_sizes_its_exit_from_the_exchange_cancels_entries_first_and_protection_only_once_flat()
    {
        // The journal has not seen the fill yet: the exchange holds 4 lots.
        var state = Then(Placed(), new EmergencyCloseRequested(100, "spec"));
        Assert.Empty(ProtectiveOrders.Decide(state, View(), 200, Deadline));

        var actions = EmergencyCloser.Decide(state, 4, View());
        var exit = Assert.Single(actions.OfType<PlaceProtectiveOrder>()).Order;
        Assert.Equal((OrderPurpose.EmergencyExit, OrderSide.Sell, 4L, true), (exit.Purpose, exit.OrderSide, exit.Lots, exit.ReduceOnly));
        Assert.Equal(ClientOrderIds.For(Btc.Symbol, 100, OrderPurpose.EmergencyExit), exit.ClientOrderId);
        Assert.Equal([Id(OrderPurpose.Entry)], actions.OfType<CancelOrder>().Select(c => c.ClientOrderId));

        var flat = EmergencyCloser.Decide(state, 0, View());
        Assert.Equal(3, flat.OfType<CancelOrder>().Count());
        Assert.Empty(flat.OfType<PlaceProtectiveOrder>());
        Assert.False(EmergencyCloser.IsDone(state, 0));
        Assert.True(EmergencyCloser.IsDone(ExecutionState.Start(Btc, 0), 0));
    }
}
