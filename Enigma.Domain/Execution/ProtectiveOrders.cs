using System.Collections.Immutable;
using System.Globalization;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Domain.Execution;

/// <summary>What the protective-order state machine asks of whoever drives it (the Execution entity, the backtester).</summary>
public abstract record ProtectiveAction(string Reason);

/// <summary>A new order: write it to the journal (<see cref="OrderPlaced"/>), then send it.</summary>
public sealed record PlaceProtectiveOrder(Order Order, string Reason) : ProtectiveAction(Reason);

/// <summary>An order the journal has as new that the exchange has never seen: send it again, with the same client order id.</summary>
public sealed record ResendOrder(string ClientOrderId, string Reason) : ProtectiveAction(Reason);

/// <summary>Cancel a working order; the exchange's answer (a poll) records the end.</summary>
public sealed record CancelOrder(string ClientOrderId, string Reason) : ProtectiveAction(Reason);

/// <summary>
/// The position has had no working stop for longer than the deadline: it is closed at market by the emergency close
/// (<see cref="EmergencyCloser"/>: sized from the exchange's position, repeated until flat), and the audit agent hears
/// of the breach.
/// </summary>
public sealed record CloseUnprotected(long Lots, long UnprotectedForMs, string Reason) : ProtectiveAction(Reason);

/// <summary>What the driver knows that the journal does not: orders in flight, and orders the exchange says it never received.</summary>
/// <param name="InFlight">Client order ids being sent or cancelled right now: no action is asked for them.</param>
/// <param name="Unplaced">Orders the journal has as new whose clientOid the exchange does not know (looked up after their send ended).</param>
/// <param name="UnprotectedSinceMs">Since when (the driver's clock) the open position has had no stop the exchange accepted
/// (<see cref="ProtectiveOrders.IsProtected"/>), or null. Kept by the driver, not the journal: fills carry the
/// exchange's time, which is not the clock the deadline is measured on.</param>
/// <param name="Price">The market's latest price the trailing stop follows (the last closed candle's close), or null.</param>
public sealed record ProtectionView(IReadOnlySet<string> InFlight, IReadOnlySet<string> Unplaced, long? UnprotectedSinceMs = null, decimal? Price = null)
{
    public static ProtectionView Quiet { get; } = new(ImmutableHashSet<string>.Empty, ImmutableHashSet<string>.Empty);
}

/// <summary>
/// The protective-order lifecycle of one symbol, as a pure function of the journal's state: from the orders and the
/// position it decides what must be placed, sent again or cancelled so that an open position always has its stop
/// (and its target), and nothing protective outlives its position. Every decision becomes a journal event (an order
/// placed) or an exchange call whose answer does, and the same state gives the same decisions, with deterministic
/// client order ids: after a restart the entity continues exactly where it stopped.
/// <para>
/// The rules, in the order they are applied:
/// <list type="number">
/// <item>One cancels the other: when a decision's stop or target has filled, its entry and its other protective
/// orders are cancelled (the trade is over).</item>
/// <item>Orphans: a stop or target whose entry has ended is cancelled when the position is flat, or when it belongs to
/// another decision than the open position's (once that position's own stop is working). So a refused or expired entry
/// takes its stop and target with it, and a leftover reduce-only stop cannot close a later position.</item>
/// <item>Protection: an open position needs a working stop on the closing side covering its size (and whatever its
/// entry may still fill); if there is none, a new one is placed at the decision's stop price. Stops and targets are
/// reduce-only: one larger than the position can never over-close it. A stop the exchange never received is sent
/// again. The target is kept the same way.</item>
/// <item>The deadline: a position unprotected (no stop accepted by the exchange) for <c>stopDeadline</c> is closed at
/// market.</item>
/// </list>
/// An entry that expires is cancelled alone: its stop and target stay until the entry's end is known, so a fill that
/// races the cancel stays protected (rule 3), and an entry that ends unfilled loses them by rule 2.
/// </para>
/// </summary>
public static class ProtectiveOrders
{
    /// <summary>A stop or target the exchange refused this many times for one decision is not placed again.</summary>
    public const int MaxRefusals = 3;

    /// <param name="trailing">The staircase's parameters; null: stops stay where they were placed.</param>
    public static IReadOnlyList<ProtectiveAction> Decide(ExecutionState state, ProtectionView view, long nowMs, TimeSpan stopDeadline, TrailingStopParameters? trailing = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(view);
        var actions = new List<ProtectiveAction>();
        if (state.Emergency is not null)
        {
            return actions; // the emergency close decides alone (EmergencyCloser)
        }

        var cancelling = new HashSet<string>(StringComparer.Ordinal);
        void Cancel(Order order, string reason)
        {
            if (!order.IsFinal && !view.InFlight.Contains(order.ClientOrderId) && cancelling.Add(order.ClientOrderId))
            {
                actions.Add(new CancelOrder(order.ClientOrderId, reason));
            }
        }

        var groups = state.Orders.Values
            .Where(o => o.Purpose != OrderPurpose.EmergencyExit && ClientOrderIds.Decision(o.ClientOrderId) is not null)
            .GroupBy(o => ClientOrderIds.Decision(o.ClientOrderId)!, StringComparer.Ordinal)
            .Select(g => new Group(g.Key, g.ToList()))
            .OrderBy(g => g.DecidedAtMs)
            .ToList();
        var lots = state.Position.Lots;
        var current = lots == 0 ? null : groups.LastOrDefault(g => g.Entry is { FilledLots: > 0 } e && (e.OrderSide == OrderSide.Buy) == (lots > 0));

        // 1. One cancels the other.
        var currentStopWorking = current is not null && Protecting(state, current.Stops.Where(o => o.Status is OrderStatus.Open or OrderStatus.PartiallyFilled));
        foreach (var group in groups.Where(g => g.Protective.Any(o => o.FilledLots > 0)))
        {
            // While what is left of the position is still this decision's, only its entry goes: its stop keeps
            // protecting. Another decision's stop goes only once the open position's own stop works.
            var mayCancelProtection = group != current && (lots == 0 || currentStopWorking);
            foreach (var order in group.Working.Where(o => o.Purpose == OrderPurpose.Entry || mayCancelProtection))
            {
                Cancel(order, "its decision's " + (group.Protective.First(o => o.FilledLots > 0).Purpose == OrderPurpose.StopLoss ? "stop" : "target") + " filled");
            }
        }

        // 2. Orphans.
        foreach (var group in groups.Where(g => g.Entry is null || g.Entry.IsFinal))
        {
            if (lots == 0)
            {
                foreach (var order in group.Protective.Where(o => !o.IsFinal))
                {
                    Cancel(order, group.Entry is { FilledLots: 0 } ? $"its entry ended {group.Entry.Status.ToString().ToLowerInvariant()} without a fill" : "its position is closed");
                }
            }
            else if (group != current && currentStopWorking)
            {
                foreach (var order in group.Protective.Where(o => !o.IsFinal))
                {
                    Cancel(order, "it belongs to an earlier position");
                }
            }
        }

        // 4. The deadline, whatever made the position (even one no decision of the journal explains).
        if (lots != 0 && view.UnprotectedSinceMs is { } since && nowMs - since >= stopDeadline.TotalMilliseconds)
        {
            actions.Add(new CloseUnprotected(Math.Abs(lots), nowMs - since, string.Create(CultureInfo.InvariantCulture, $"no working stop for {nowMs - since} ms (deadline {stopDeadline.TotalMilliseconds:0} ms)")));
            return actions;
        }

        if (lots == 0 || current is null)
        {
            return actions;
        }

        // 3. Protection: the open position's stop and target, covering what is filled and what the entry may still fill.
        var cover = Math.Abs(lots) + (current.Entry!.IsFinal ? 0 : current.Entry.RemainingLots);
        Protect(state, current, current.Stops, OrderPurpose.StopLoss, cover, view, actions, cancelling);
        Protect(state, current, current.Targets, OrderPurpose.TakeProfit, cover, view, actions, cancelling);
        if (trailing is not null && view.Price is { } price && !actions.OfType<PlaceProtectiveOrder>().Any())
        {
            Trail(state, current, cover, price, trailing, actions);
        }

        return actions;
    }

    /// <summary>
    /// Whether an open position has a stop the exchange accepted, on the closing side, covering its size (a flat one
    /// needs none).
    /// </summary>
    public static bool IsProtected(ExecutionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Position.Lots == 0 || Protecting(state, state.Orders.Values.Where(o => o is { Purpose: OrderPurpose.StopLoss, Status: OrderStatus.Open or OrderStatus.PartiallyFilled }));
    }

    private static bool Protecting(ExecutionState state, IEnumerable<Order> stops)
    {
        var lots = state.Position.Lots;
        var closing = lots > 0 ? OrderSide.Sell : OrderSide.Buy;
        return lots != 0 && stops.Any(o => o.OrderSide == closing && o.RemainingLots >= Math.Abs(lots));
    }

    private static void Protect(ExecutionState state, Group group, IReadOnlyList<Order> orders, OrderPurpose purpose, long cover, ProtectionView view, List<ProtectiveAction> actions, HashSet<string> cancelling)
    {
        var working = orders.Where(o => !o.IsFinal && !cancelling.Contains(o.ClientOrderId)).OrderBy(o => ClientOrderIds.Sequence(o.ClientOrderId)).ToList();
        var covering = working.Where(o => o.RemainingLots >= Math.Abs(state.Position.Lots)).ToList();
        foreach (var order in covering.Where(o => o.Status == OrderStatus.New && view.Unplaced.Contains(o.ClientOrderId) && !view.InFlight.Contains(o.ClientOrderId)))
        {
            actions.Add(new ResendOrder(order.ClientOrderId, $"the exchange never received {order.ClientOrderId}"));
        }

        // Replaced: once the newest covering order is working at the exchange, the others of its kind go (place, then cancel).
        if (covering.LastOrDefault() is { Status: OrderStatus.Open or OrderStatus.PartiallyFilled } newest)
        {
            var newestSequence = ClientOrderIds.Sequence(newest.ClientOrderId);
            foreach (var order in working.Where(o => ClientOrderIds.Sequence(o.ClientOrderId) < newestSequence && !view.InFlight.Contains(o.ClientOrderId) && cancelling.Add(o.ClientOrderId)))
            {
                actions.Add(new CancelOrder(order.ClientOrderId, $"replaced by {newest.ClientOrderId}"));
            }
        }

        // Covered; or this decision never had one (no price to place it at); or the exchange refused it too often to
        // try the same again (a stop then falls to the deadline).
        if (covering.Count > 0 || orders.Count == 0 || orders.Count(o => o.Status == OrderStatus.Rejected) >= MaxRefusals)
        {
            return;
        }

        // At the newest price the exchange did not refuse (a refused trailing move is not where the stop goes back to).
        var template = orders.Where(o => o.Status != OrderStatus.Rejected).MaxBy(o => ClientOrderIds.Sequence(o.ClientOrderId)) ?? orders.MaxBy(o => ClientOrderIds.Sequence(o.ClientOrderId))!;
        var sequence = orders.Max(o => ClientOrderIds.Sequence(o.ClientOrderId)) + 1;
        var id = ClientOrderIds.For(state.Contract.Symbol, group.DecidedAtMs, purpose, sequence);
        var replacement = template with { ClientOrderId = id, Lots = cover, Status = OrderStatus.New, FilledLots = 0, ExchangeOrderId = null };
        var what = purpose == OrderPurpose.StopLoss ? "stop" : "target";
        actions.Add(new PlaceProtectiveOrder(replacement, working.Count == 0
            ? $"the position of {Math.Abs(state.Position.Lots)} lots has no working {what}"
            : $"the working {what} covers less than the position's {Math.Abs(state.Position.Lots)} lots"));
    }

    /// <summary>
    /// The trailing stop: when the staircase asks for a tighter stop than the newest one, working at the exchange, a new
    /// stop is placed at it (the next id); the old one is cancelled once the new one works (the replacement rule), so
    /// there is never a moment without a stop, and reduce-only keeps the two from over-closing.
    /// </summary>
    private static void Trail(ExecutionState state, Group group, long cover, decimal price, TrailingStopParameters trailing, List<ProtectiveAction> actions)
    {
        var working = group.Stops.Where(o => !o.IsFinal).ToList();
        var newest = working.Where(o => o.Status == OrderStatus.Open).MaxBy(o => ClientOrderIds.Sequence(o.ClientOrderId));
        if (working.Any(o => o.Status == OrderStatus.New) || newest is not { StopPrice: { } stop } || group.Entry!.Leverage is not { } leverage)
        {
            return; // a replacement still on its way, nothing working to move, or a journal from before leverage was kept
        }

        var side = state.Position.Lots > 0 ? Side.Long : Side.Short;
        var sign = side == Side.Long ? 1 : -1;
        if (TrailingStops.Next(state.Contract, side, state.Position.AverageEntry, leverage, stop, price, trailing) is not { } next
            || group.Stops.Any(o => o.Status == OrderStatus.Rejected && o.StopPrice is { } refused && sign * (refused - next) >= 0))
        {
            return; // no move; or the exchange refused a stop this tight already: the next stair tries again
        }

        var id = ClientOrderIds.For(state.Contract.Symbol, group.DecidedAtMs, OrderPurpose.StopLoss, group.Stops.Max(o => ClientOrderIds.Sequence(o.ClientOrderId)) + 1);
        var moved = newest with { ClientOrderId = id, Lots = cover, StopPrice = next, ExpectedPrice = next, Status = OrderStatus.New, FilledLots = 0, ExchangeOrderId = null };
        actions.Add(new PlaceProtectiveOrder(moved, $"the trailing stop moves from {stop} to {next} (price {price})"));
    }

    /// <summary>One decision's orders: its entry, stops and targets (sequence 0 from the approval, later ones replacements).</summary>
    private sealed class Group(string key, List<Order> orders)
    {
        public string Key { get; } = key;

        public long DecidedAtMs { get; } = ClientOrderIds.DecisionTime(orders[0].ClientOrderId) ?? 0;

        public Order? Entry { get; } = orders.Where(o => o.Purpose == OrderPurpose.Entry).MinBy(o => ClientOrderIds.Sequence(o.ClientOrderId));

        public IReadOnlyList<Order> Stops { get; } = [.. orders.Where(o => o.Purpose == OrderPurpose.StopLoss)];

        public IReadOnlyList<Order> Targets { get; } = [.. orders.Where(o => o.Purpose == OrderPurpose.TakeProfit)];

        public IEnumerable<Order> Protective => Stops.Concat(Targets);

        public IEnumerable<Order> Working => orders.Where(o => !o.IsFinal);

        public override string ToString() => Key;
    }
}

/// <summary>
/// The emergency close as a pure decision, repeated until the exchange reports flat: given the journal's state and the
/// position the exchange reports, close it with a reduce-only market order first, cancel entries at once, and cancel
/// the stops and targets only once the exchange is flat (until then they still protect what is left).
/// </summary>
public static class EmergencyCloser
{
    public static IReadOnlyList<ProtectiveAction> Decide(ExecutionState state, long exchangeLots, ProtectionView view)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(view);
        var emergency = state.Emergency ?? throw new InvalidOperationException($"{state.Contract.Symbol} is not closing in an emergency.");
        var actions = new List<ProtectiveAction>();
        foreach (var order in state.Orders.Values.Where(o => !o.IsFinal && !view.InFlight.Contains(o.ClientOrderId)))
        {
            if (order.Purpose == OrderPurpose.Entry || (exchangeLots == 0 && order.Purpose != OrderPurpose.EmergencyExit))
            {
                actions.Add(new CancelOrder(order.ClientOrderId, "emergency close: " + emergency.Reason));
            }
            else if (order is { Purpose: OrderPurpose.EmergencyExit, Status: OrderStatus.New } && view.Unplaced.Contains(order.ClientOrderId))
            {
                actions.Add(new ResendOrder(order.ClientOrderId, $"the exchange never received the exit {order.ClientOrderId}"));
            }
        }

        var exitWorking = state.Orders.Values.Any(o => o is { Purpose: OrderPurpose.EmergencyExit, IsFinal: false });
        if (exchangeLots != 0 && !exitWorking)
        {
            var sequence = state.Orders.Values.Count(o => o.Purpose == OrderPurpose.EmergencyExit && ClientOrderIds.DecisionTime(o.ClientOrderId) == emergency.SinceMs);
            var exit = Order.EmergencyExit(state.Contract.Symbol, exchangeLots > 0 ? Side.Long : Side.Short, Math.Abs(exchangeLots), state.Position.AverageEntry, ClientOrderIds.For(state.Contract.Symbol, emergency.SinceMs, OrderPurpose.EmergencyExit, sequence));
            actions.Add(new PlaceProtectiveOrder(exit, $"emergency close: the exchange reports {exchangeLots} lots"));
        }

        return actions;
    }

    /// <summary>
    /// Done when the exchange reports flat and nothing is left working. A journal that still holds a position then
    /// has lost fills: the driver says so and waits for an operator.
    /// </summary>
    public static bool IsDone(ExecutionState state, long exchangeLots)
    {
        ArgumentNullException.ThrowIfNull(state);
        return exchangeLots == 0 && state.Orders.Values.All(o => o.IsFinal);
    }
}
