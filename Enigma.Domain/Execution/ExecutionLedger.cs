using System.Collections.Immutable;
using Enigma.Domain.Market;

namespace Enigma.Domain.Execution;

/// <summary>
/// A position from fills, average-cost: <see cref="Lots"/> is signed (long &gt; 0, short &lt; 0), realised PnL accrues
/// when a fill reduces it, fees and funding are kept apart so PnL can be read gross or net.
/// </summary>
public sealed record PositionState(long Lots, decimal AverageEntry, decimal RealizedPnl, decimal FeesPaid, decimal FundingPaid)
{
    public static readonly PositionState Flat = new(0, 0, 0, 0, 0);

    public Side? Side => Lots > 0 ? Market.Side.Long : Lots < 0 ? Market.Side.Short : null;

    /// <summary>The open position's gross PnL at <paramref name="markPrice"/> (the contract's <see cref="ContractSpec.Pnl"/>).</summary>
    public decimal UnrealisedPnl(ContractSpec contract, decimal markPrice)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Pnl(Lots, AverageEntry, markPrice);
    }
}

/// <summary>How fills compared with the prices the orders expected: slippage as a fraction, positive when worse.</summary>
public sealed record FillQuality(int Fills, decimal TotalSlippage, decimal WorstSlippage)
{
    public static readonly FillQuality None = new(0, 0, 0);

    public decimal AverageSlippage => Fills == 0 ? 0 : TotalSlippage / Fills;

    /// <summary>
    /// A fill's slippage against the price its order expected, as a fraction, positive when worse: a buy that paid
    /// more, a sell that got less. 0 when no price was expected.
    /// </summary>
    public static decimal Slippage(OrderSide side, decimal expectedPrice, decimal price) =>
        expectedPrice > 0 ? (price - expectedPrice) / expectedPrice * (side == OrderSide.Buy ? 1 : -1) : 0;

    /// <summary>This quality with one more fill of <paramref name="slippage"/>.</summary>
    public FillQuality Add(decimal slippage) => new(Fills + 1, TotalSlippage + slippage, Math.Max(WorstSlippage, slippage));
}

/// <summary>An emergency close under way: when it was asked for (its exits' ids carry this time) and why.</summary>
public sealed record EmergencyClosing(long SinceMs, string Reason);

/// <summary>When the open position opened, and the cash before its first fill: a round trip's net PnL is the cash after it minus this.</summary>
public sealed record PositionOpening(long OpenedAtMs, decimal CashBefore);

/// <summary>
/// One symbol's orders, position, cash and fill quality, as the events made them. <see cref="Opening"/> is set while
/// a position is open (null in snapshots written before it existed, and while flat).
/// </summary>
/// <summary>A position from its first fill to the fill that closed (or flipped) it, with its net PnL (fees and funding included).</summary>
public sealed record RoundTrip(Side Side, long OpenedAtMs, long ClosedAtMs, decimal NetPnl);

/// <param name="RoundTrips">The most recent round trips, newest last (at most <see cref="RoundTripsKept"/>): after a
/// restart the losing streak is counted from them, not from zero. Null in snapshots written before it existed.</param>
/// <param name="Emergency">Set while an emergency close is under way (from its request to its completion).</param>
/// <param name="LastFundingMs">The exchange's time of the latest funding settlement recorded: the next are those after it.</param>
public sealed record ExecutionState(ContractSpec Contract, decimal Cash, PositionState Position, ImmutableDictionary<string, Order> Orders, FillQuality Quality, long EventCount, PositionOpening? Opening = null, ImmutableList<RoundTrip>? RoundTrips = null, EmergencyClosing? Emergency = null, long? LastFundingMs = null)
{
    /// <summary>
    /// The exchange time after which funding settlements are still to be recorded: after the latest one recorded, else
    /// from the oldest position the state remembers (funding is only ever charged on an open position); null when
    /// this symbol never held one.
    /// </summary>
    public long? FundingRecordedUntilMs => LastFundingMs ?? (RecentRoundTrips.Count > 0 ? RecentRoundTrips[0].OpenedAtMs - 1 : Opening is { } o ? o.OpenedAtMs - 1 : null);

    public const int RoundTripsKept = 50;

    public IReadOnlyList<RoundTrip> RecentRoundTrips => RoundTrips ?? [];

    public static ExecutionState Start(ContractSpec contract, decimal cash) =>
        new(contract, cash, PositionState.Flat, ImmutableDictionary<string, Order>.Empty.WithComparers(StringComparer.Ordinal), FillQuality.None, 0);

    /// <summary>Cash plus the open position marked at <paramref name="markPrice"/>.</summary>
    public decimal Equity(decimal markPrice) => Cash + Position.UnrealisedPnl(Contract, markPrice);
}

/// <summary>The pure fold of execution events: <c>Apply(state, event) → state</c>. An impossible event is an error, never ignored.</summary>
public static class ExecutionLedger
{
    public static ExecutionState Replay(ExecutionState start, IEnumerable<ExecutionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = start;
        foreach (var e in events)
        {
            state = Apply(state, e);
        }

        return state;
    }

    public static ExecutionState Apply(ExecutionState state, ExecutionEvent e)
    {
        ArgumentNullException.ThrowIfNull(state);
        var next = e switch
        {
            OrderPlaced placed => Place(state, placed),
            OrderAccepted accepted => Update(state, accepted.ClientOrderId, o => OrderStateMachine.Move(o, OrderStatus.Open) with { ExchangeOrderId = accepted.ExchangeOrderId }),
            OrderFilled filled => Fill(state, filled),
            OrderCancelled cancelled => Update(state, cancelled.ClientOrderId, o => OrderStateMachine.Move(o, OrderStatus.Cancelled)),
            OrderRejected rejected => Update(state, rejected.ClientOrderId, o => OrderStateMachine.Move(o, OrderStatus.Rejected)),
            OrderExpired expired => Update(state, expired.ClientOrderId, o => OrderStateMachine.Move(o, OrderStatus.Expired)),
            EmergencyCloseRequested requested => state with { Emergency = state.Emergency ?? new EmergencyClosing(requested.TimestampMs, requested.Reason) },
            EmergencyCloseCompleted => state with { Emergency = null },
            FundingSettled funding => state with
            {
                LastFundingMs = Math.Max(state.LastFundingMs ?? long.MinValue, funding.TimestampMs),
                Cash = state.Cash - funding.Amount,
                Position = state.Position with { FundingPaid = state.Position.FundingPaid + funding.Amount },
            },
            null => throw new ArgumentNullException(nameof(e)),
            _ => throw new ArgumentException($"Unknown execution event {e.GetType().Name}.", nameof(e)),
        };
        return next with { EventCount = state.EventCount + 1 };
    }

    /// <summary>Average-cost accounting of one signed fill; returns the new position and the PnL it realised.</summary>
    public static (PositionState Position, decimal Realized) ApplyFill(PositionState position, long signedLots, decimal price, ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(contract);
        var lots = position.Lots;
        if (lots == 0 || Math.Sign(lots) == Math.Sign(signedLots))
        {
            var total = lots + signedLots;
            var average = ((Math.Abs(lots) * position.AverageEntry) + (Math.Abs(signedLots) * price)) / Math.Abs(total);
            return (position with { Lots = total, AverageEntry = average }, 0);
        }

        var closing = Math.Min(Math.Abs(signedLots), Math.Abs(lots));
        var realized = contract.Pnl(closing * Math.Sign(lots), position.AverageEntry, price);
        var remaining = lots + signedLots;
        var entry = remaining == 0 ? 0 : Math.Sign(remaining) == Math.Sign(lots) ? position.AverageEntry : price;
        return (position with { Lots = remaining, AverageEntry = entry, RealizedPnl = position.RealizedPnl + realized }, realized);
    }

    private static ExecutionState Place(ExecutionState state, OrderPlaced placed)
    {
        var order = placed.Order;
        if (order.Symbol != state.Contract.Symbol)
        {
            throw new InvalidOperationException($"Order {order.ClientOrderId} is for {order.Symbol}, not {state.Contract.Symbol}.");
        }

        if (state.Orders.ContainsKey(order.ClientOrderId))
        {
            throw new InvalidOperationException($"Order {order.ClientOrderId} was already placed.");
        }

        if (order.Status != OrderStatus.New || order.FilledLots != 0 || order.Lots <= 0)
        {
            throw new InvalidOperationException($"Order {order.ClientOrderId} must be placed new, unfilled and with a positive size.");
        }

        return state with { Orders = state.Orders.Add(order.ClientOrderId, order) };
    }

    private static ExecutionState Fill(ExecutionState state, OrderFilled filled)
    {
        var order = Find(state, filled.ClientOrderId);
        if (filled.Lots <= 0 || filled.Lots > order.RemainingLots || filled.Price <= 0)
        {
            throw new InvalidOperationException($"Order {order.ClientOrderId}: a fill of {filled.Lots} lots at {filled.Price} does not fit its remaining {order.RemainingLots} lots.");
        }

        var filledLots = order.FilledLots + filled.Lots;
        var moved = OrderStateMachine.Move(order, filledLots == order.Lots ? OrderStatus.Filled : OrderStatus.PartiallyFilled) with { FilledLots = filledLots };
        var signed = order.OrderSide == OrderSide.Buy ? filled.Lots : -filled.Lots;
        var (position, realized) = ApplyFill(state.Position, signed, filled.Price, state.Contract);
        position = position with { FeesPaid = position.FeesPaid + filled.Fee };
        var quality = state.Quality.Add(FillQuality.Slippage(order.OrderSide, order.ExpectedPrice, filled.Price));
        var cash = state.Cash + realized - filled.Fee;
        var opening = position.Lots == 0 ? null
            : state.Position.Lots == 0 || Math.Sign(state.Position.Lots) != Math.Sign(position.Lots) ? new PositionOpening(filled.TimestampMs, state.Position.Lots == 0 ? state.Cash : cash)
            : state.Opening;
        var roundTrips = state.RoundTrips;
        if (state.Position.Lots != 0 && (position.Lots == 0 || Math.Sign(position.Lots) != Math.Sign(state.Position.Lots)))
        {
            // The same net PnL the Execution entity announces on position.closed: cash now against cash before it opened.
            var closed = new RoundTrip(state.Position.Side!.Value, state.Opening?.OpenedAtMs ?? filled.TimestampMs, filled.TimestampMs, cash - (state.Opening?.CashBefore ?? state.Cash));
            roundTrips = (roundTrips ?? []).Add(closed);
            if (roundTrips.Count > ExecutionState.RoundTripsKept)
            {
                roundTrips = roundTrips.RemoveAt(0);
            }
        }

        return state with
        {
            Cash = cash,
            Position = position,
            Orders = state.Orders.SetItem(order.ClientOrderId, moved),
            Quality = quality,
            Opening = opening,
            RoundTrips = roundTrips,
        };
    }

    private static ExecutionState Update(ExecutionState state, string clientOrderId, Func<Order, Order> change)
    {
        var order = Find(state, clientOrderId);
        return state with { Orders = state.Orders.SetItem(clientOrderId, change(order)) };
    }

    private static Order Find(ExecutionState state, string clientOrderId) =>
        state.Orders.TryGetValue(clientOrderId, out var order)
            ? order
            : throw new InvalidOperationException($"No order {clientOrderId} for {state.Contract.Symbol}.");
}

/// <summary>The seed's losing streak: consecutive losing round trips, newest first, across every symbol.</summary>
public static class LosingStreak
{
    public static int Of(IEnumerable<RoundTrip> roundTrips)
    {
        ArgumentNullException.ThrowIfNull(roundTrips);
        return roundTrips.OrderByDescending(r => r.ClosedAtMs).TakeWhile(r => r.NetPnl < 0).Count();
    }
}
