using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Enigma.Actors.Messaging;
using Enigma.Actors.Serialization;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Actors.Execution;

/// <summary>Places the orders of a risk approval: the entry, its stop loss and its take profit.</summary>
public sealed record PlaceApprovedOrder(SizedOrder Approval, long DecisionTimeMs) : IClusterMessage;

public enum PlacementStatus
{
    /// <summary>The exchange accepted the entry.</summary>
    Accepted,

    /// <summary>The exchange refused it; a retry would not change that.</summary>
    Refused,

    /// <summary>The outcome is not known yet; the entity finds out by clientOid and records it.</summary>
    Pending,

    /// <summary>This approval was already placed (same decision, same client order id).</summary>
    Duplicate,

    /// <summary>The entity is not accepting orders (still reconciling, or reconciliation could not prove the state).</summary>
    NotReady,
}

public sealed record OrderPlacementResult(string Symbol, string ClientOrderId, PlacementStatus Status, string Detail) : IClusterMessage;

/// <summary>On <c>order.placed</c>: an order was written to the journal and is on its way to the exchange.</summary>
public sealed record OrderPlacedOnExchange(string Symbol, string ClientOrderId, OrderPurpose Purpose, OrderSide Side, OrderType Type, long Lots, decimal? Price, decimal? StopPrice, decimal ExpectedPrice, long TimeMs) : IClusterMessage;

/// <summary>On <c>order.filled</c>: one fill, with the price the order expected (fill quality) and the position after it.</summary>
public sealed record OrderFillRecorded(string Symbol, string ClientOrderId, OrderPurpose Purpose, OrderSide Side, string TradeId, long Lots, decimal Price, decimal ExpectedPrice, decimal Fee, Liquidity Liquidity, long PositionLotsAfter, long TimeMs) : IClusterMessage;

/// <summary>
/// Also on <c>order.filled</c>: an order reached its end (filled, cancelled, rejected, expired) with the lots it
/// filled, so that Risk can release the budget of an entry that never filled.
/// </summary>
public sealed record OrderFinished(string Symbol, string ClientOrderId, OrderPurpose Purpose, OrderStatus Status, long FilledLots, long Lots, long TimeMs) : IClusterMessage;

/// <summary>On <c>position.opened</c>.</summary>
public sealed record PositionOpened(string Symbol, Side Side, long Lots, decimal AverageEntry, long TimeMs) : IClusterMessage;

/// <summary>On <c>position.closed</c>: a round trip, net of fees and funding, and the order that ended it.</summary>
public sealed record PositionClosed(string Symbol, Side Side, decimal NetPnl, long OpenedAtMs, long ClosedAtMs, OrderPurpose ClosedBy) : IClusterMessage;

/// <summary>
/// The top of a symbol's live book (best first), from the Data agent: the Execution agent prices entries at its 9th
/// level (the seed's price discovery) and refuses them with SLIPPAGE_EXCEEDED when that is too far from mid.
/// </summary>
public sealed record BookTop(string Symbol, BookLevel[] Bids, BookLevel[] Asks, long AtMs) : IClusterMessage;

/// <summary>The Execution agent's part of an emergency stop: cancel every working order, close the position at market.</summary>
public sealed record EmergencyClose(string Symbol, string Reason) : IClusterMessage;

/// <summary>
/// On <c>position.unprotected</c> (the invariant "position without stop"): a position went longer than the stop
/// deadline with no working stop at the exchange, and was closed at market.
/// </summary>
public sealed record PositionWithoutStop(string Symbol, long Lots, long UnprotectedForMs, string Detail, long TimeMs) : IClusterMessage;

/// <summary>On <c>risk.rejected</c>: the Execution agent's last gate refused an approval (<see cref="ApprovalBounds"/>), with its codes.</summary>
public sealed record ApprovalRefused(string Symbol, string ClientOrderId, IReadOnlyList<string> Codes, string Detail, long TimeMs) : IClusterMessage;

public sealed record EmergencyCloseStarted(string Symbol, int OrdersCancelled, long ExitLots) : IClusterMessage;

public sealed record GetExecutionStatus : IClusterMessage
{
    public static GetExecutionStatus Instance { get; } = new();
}

public enum ExecutionPhase
{
    Recovering,
    Reconciling,
    Ready,
    Closed,
}

public sealed record ExecutionStatus(string Symbol, ExecutionPhase Phase, ExecutionState State, string? ClosedReason, int Reconciliations) : IClusterMessage;

/// <summary>What a snapshot holds: the state, and the trade ids already applied (so a fill is never counted twice).</summary>
public sealed record ExecutionSnapshot(ExecutionState State, IReadOnlyList<string> AppliedTradeIds);

public sealed record ExecutionSettings
{
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>How often working orders are checked at the exchange for fills and cancellations.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reconciliation is retried this often while the exchange cannot be reached.</summary>
    public TimeSpan ReconcileRetry { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>MAX_SLIPPAGE: the 9th-level entry may be at most this far from mid (a fraction: 0.005 = 0.5%).</summary>
    public decimal MaxSlippage { get; init; } = 0.005m;

    /// <summary>
    /// An entry that has not filled at all this long (market time) after its decision is cancelled, with its stop and
    /// target: a passive 9th-level bid the market never came back to must not hold the symbol's budget forever.
    /// </summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A book older than this is not used for pricing: the entry falls back to the price risk sized it with.</summary>
    public TimeSpan BookMaxAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A position with no working stop at the exchange for this long (its stop refused, or unplaceable through 429s,
    /// 5xx or an open breaker) is closed at market: an unprotected position is not kept open on hope.
    /// </summary>
    public TimeSpan StopDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the exchange is asked for funding settlements not yet in the journal (also at every reconciliation).</summary>
    public TimeSpan FundingCheckEvery { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The staircase trailing stop (the seed's trail-* keys of enigma.risk); null: stops stay where they were placed.</summary>
    public TrailingStopParameters? Trailing { get; init; }

    /// <summary>The last gate: what no approval may exceed, whatever risk decided (<see cref="ApprovalBounds"/>).</summary>
    public ApprovalLimits Limits { get; init; } = new();
}

/// <summary>
/// One symbol's orders and position, event-sourced (<see cref="ExecutionLedger.Apply"/> over the journal).
/// <para>
/// Life: replay the journal (from the latest snapshot), then reconcile with the exchange before accepting any
/// command: every order the journal left working is looked up by its clientOid, fills made while the node was down
/// are recorded, orders that never reached the exchange are marked rejected; the entity then requires its position
/// to equal the exchange's and no unknown order to be open on the symbol. If that cannot be proven it stays
/// <see cref="ExecutionPhase.Closed"/> and says why. Orders are accepted only as a <see cref="SizedOrder"/>, which only
/// the risk gate can make, and carry deterministic client order ids, so a retried or replayed command never doubles.
/// </para>
/// </summary>
public sealed class ExecutionEntity : ReceivePersistentActor, IWithTimers
{
    private readonly string _symbol;
    private readonly IExchangeGateway _exchange;
    private readonly IActorRef _bus;
    private readonly ExecutionSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _appliedTrades = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (IActorRef Sender, decimal Leverage)> _placing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cancelling = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unplaced = new(StringComparer.Ordinal);
    private long? _unprotectedSince;
    private decimal? _lastPrice;
    private bool _closingInEmergency;
    private ExecutionState _state;
    private BookTop? _book;
    private ExecutionPhase _phase = ExecutionPhase.Recovering;
    private string? _closedReason;
    private int _reconciliations;
    private bool _polling;

    /// <param name="bus">The DistributedPubSub mediator for order.* and position.* (none in specs that do not listen).</param>
    public ExecutionEntity(ContractSpec contract, IExchangeGateway exchange, ExecutionSettings? settings = null, TimeProvider? time = null, IActorRef? bus = null)
    {
        _symbol = contract.Symbol;
        _exchange = exchange;
        _bus = bus ?? ActorRefs.Nobody;
        _settings = settings ?? new ExecutionSettings();
        _time = time ?? TimeProvider.System;
        _state = ExecutionState.Start(contract, 0);

        Recover<SnapshotOffer>(offer =>
        {
            var snapshot = (ExecutionSnapshot)offer.Snapshot;
            _state = snapshot.State;
            _appliedTrades.Clear();
            _appliedTrades.UnionWith(snapshot.AppliedTradeIds);
        });
        Recover<ExecutionEvent>(Apply);

        Command<GetExecutionStatus>(_ => Sender.Tell(Status()));
        Command<BookTop>(book => _book = book);
        Command<Signal.CandleClosed>(closed =>
        {
            // The Data agent's candles are 5-minute. Their close is the price the trailing stop follows, live as in a backtest.
            _lastPrice = closed.Candle.Close;
            ExpireEntries(closed.Candle.OpenTimeMs + 300_000);
            Protect();
        });
        Command<Reconciled>(OnReconciled);
        Command<ReconciliationFailed>(failed =>
        {
            _log.Warning("{0}: reconciliation could not reach the exchange ({1}); retrying in {2}", _symbol, failed.Reason, _settings.ReconcileRetry);
            Timers.StartSingleTimer("reconcile", StartReconciliation.Instance, _settings.ReconcileRetry);
        });
        Command<StartReconciliation>(_ => Reconcile());
        Command<PlaceApprovedOrder>(OnPlace);
        Command<EmergencyClose>(OnEmergencyClose);
        Command<EmergencyStep>(_ => OnEmergencyStep());
        Command<EmergencyObserved>(OnEmergencyObserved);
        Command<CancelAnswered>(OnCancelAnswered);
        Command<CheckFunding>(_ => OnCheckFunding());
        Command<FundingRead>(OnFundingRead);
        Command<Placed>(OnPlaced);
        Command<Poll>(_ => OnPoll());
        Command<Polled>(OnPolled);
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("{0}: snapshot failed ({1}); the journal still holds every event", _symbol, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => "execution-" + _symbol;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ContractSpec contract, IExchangeGateway exchange, ExecutionSettings? settings = null, TimeProvider? time = null, IActorRef? bus = null) =>
        Akka.Actor.Props.Create(() => new ExecutionEntity(contract, exchange, settings, time, bus));

    protected override void OnReplaySuccess()
    {
        _phase = ExecutionPhase.Reconciling;
        Reconcile();
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private ExecutionStatus Status() => new(_symbol, _phase, _state, _closedReason, _reconciliations);

    private void Apply(ExecutionEvent e)
    {
        _state = ExecutionLedger.Apply(_state, e);
        if (e is OrderFilled filled)
        {
            _appliedTrades.Add(filled.TradeId);
        }
    }

    /// <summary>Persists the events in order, applies each, snapshots on schedule, then runs <paramref name="then"/>.</summary>
    private void PersistAndApply(IReadOnlyList<ExecutionEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            then();
            return;
        }

        var remaining = events.Count;
        PersistAll(events.Select(e => JournalTags.ForExecution(_symbol, e)), tagged =>
        {
            var e = (ExecutionEvent)tagged.Payload;
            var before = _state;
            Apply(e);
            Announce(before, e);
            if (LastSequenceNr % _settings.SnapshotEvery == 0)
            {
                SaveSnapshot(new ExecutionSnapshot(_state, _appliedTrades.ToArray()));
            }

            if (--remaining == 0)
            {
                then();
            }
        });
    }

    /// <summary>
    /// Tells the bus what a persisted event changed (only live events: a replay at recovery announces nothing twice).
    /// Fills recorded by reconciliation are announced too: Risk and Audit must hear of what happened while the node was down.
    /// </summary>
    private void Announce(ExecutionState before, ExecutionEvent e)
    {
        var after = _state;
        switch (e)
        {
            case OrderPlaced placed:
                var o = placed.Order;
                Publish(Topics.OrderPlaced, new OrderPlacedOnExchange(_symbol, o.ClientOrderId, o.Purpose, o.OrderSide, o.Type, o.Lots, o.Price, o.StopPrice, o.ExpectedPrice, e.TimestampMs));
                break;
            case OrderFilled filled:
                var order = after.Orders[filled.ClientOrderId];
                Publish(Topics.OrderFilled, new OrderFillRecorded(_symbol, order.ClientOrderId, order.Purpose, order.OrderSide, filled.TradeId, filled.Lots, filled.Price, order.ExpectedPrice, filled.Fee, filled.Liquidity, after.Position.Lots, e.TimestampMs));
                break;
        }

        // Only the event's own order can have reached its end (the state keeps every order, so no scan of them all).
        var changed = e switch
        {
            OrderAccepted a => a.ClientOrderId,
            OrderFilled f => f.ClientOrderId,
            OrderCancelled c => c.ClientOrderId,
            OrderRejected r => r.ClientOrderId,
            OrderExpired x => x.ClientOrderId,
            _ => null,
        };
        if (changed is not null && after.Orders.TryGetValue(changed, out var now) && now.IsFinal && before.Orders.TryGetValue(changed, out var was) && !was.IsFinal)
        {
            Publish(Topics.OrderFilled, new OrderFinished(_symbol, changed, now.Purpose, now.Status, now.FilledLots, now.Lots, e.TimestampMs));
        }

        var (lotsBefore, lotsAfter) = (before.Position.Lots, after.Position.Lots);
        if (lotsBefore != 0 && (lotsAfter == 0 || Math.Sign(lotsAfter) != Math.Sign(lotsBefore)))
        {
            var closedBy = e is OrderFilled f ? after.Orders[f.ClientOrderId].Purpose : OrderPurpose.EmergencyExit;
            var net = after.Cash - (before.Opening?.CashBefore ?? before.Cash);
            Publish(Topics.PositionClosed, new PositionClosed(_symbol, before.Position.Side!.Value, net, before.Opening?.OpenedAtMs ?? e.TimestampMs, e.TimestampMs, closedBy));
        }

        if (lotsAfter != 0 && (lotsBefore == 0 || Math.Sign(lotsAfter) != Math.Sign(lotsBefore)))
        {
            Publish(Topics.PositionOpened, new PositionOpened(_symbol, after.Position.Side!.Value, Math.Abs(lotsAfter), after.Position.AverageEntry, e.TimestampMs));
        }
    }

    private void Publish<T>(string topic, T payload)
        where T : notnull =>
        _bus.Tell(new Publish(topic, AgentEnvelope.Event(Agents.Execution, topic, payload, Now, topic is Topics.PositionClosed or Topics.PositionOpened ? Domain.Orchestration.TaskPriority.High : Domain.Orchestration.TaskPriority.Normal)));

    // ----- Reconciliation ---------------------------------------------------------------------------------------

    private void Reconcile()
    {
        _reconciliations++;
        var state = _state;
        var applied = _appliedTrades.ToImmutableHashSet(StringComparer.Ordinal);
        var now = Now;
        ReconcileAsync(state, applied, now).PipeTo(Self, failure: e => new ReconciliationFailed(e.GetBaseException().Message));
    }

    private async Task<Reconciled> ReconcileAsync(ExecutionState state, ImmutableHashSet<string> applied, long now)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;
        var events = new List<ExecutionEvent>();
        var problems = new List<string>();
        foreach (var order in state.Orders.Values.Where(o => !o.IsFinal).OrderBy(o => o.ClientOrderId, StringComparer.Ordinal))
        {
            var found = await _exchange.FindOrderAsync(order.ClientOrderId, ct).ConfigureAwait(false);
            if (found is null)
            {
                if (order.Status == OrderStatus.New)
                {
                    events.Add(new OrderRejected(now, order.ClientOrderId, "never reached the exchange (no order with this clientOid after a restart)"));
                }
                else
                {
                    problems.Add($"order {order.ClientOrderId} was accepted (exchange id {order.ExchangeOrderId}) but the exchange no longer knows it");
                }

                continue;
            }

            events.AddRange(await ExchangeEventsAsync(order, found, applied, now, ct).ConfigureAwait(false));
        }

        var known = state.Orders.Keys.ToHashSet(StringComparer.Ordinal);
        var strangers = (await _exchange.OpenOrdersAsync(_symbol, ct).ConfigureAwait(false)).Where(o => !known.Contains(o.ClientOrderId)).ToList();
        if (strangers.Count > 0)
        {
            problems.Add($"the exchange has {strangers.Count} open {_symbol} order(s) the journal does not know ({string.Join(", ", strangers.Take(5).Select(s => s.ClientOrderId))})");
        }

        var lots = await _exchange.PositionLotsAsync(_symbol, ct).ConfigureAwait(false);
        return new Reconciled(events, lots, problems);
    }

    /// <summary>What the exchange knows about a working order that the journal does not: acceptance, fills, the end.</summary>
    private async Task<List<ExecutionEvent>> ExchangeEventsAsync(Order order, ExchangeOrderReport found, ImmutableHashSet<string> applied, long now, CancellationToken ct)
    {
        var events = new List<ExecutionEvent>();
        if (order.Status == OrderStatus.New)
        {
            events.Add(new OrderAccepted(now, order.ClientOrderId, found.ExchangeOrderId));
        }

        var filledLots = order.FilledLots;
        if (found.FilledLots > order.FilledLots)
        {
            foreach (var fill in await _exchange.FillsAsync(found.ExchangeOrderId, ct).ConfigureAwait(false))
            {
                if (!applied.Contains(fill.TradeId) && filledLots + fill.Lots <= order.Lots)
                {
                    events.Add(new OrderFilled(fill.TimeMs, order.ClientOrderId, fill.TradeId, fill.Lots, fill.Price, fill.Fee, fill.Liquidity));
                    filledLots += fill.Lots;
                }
            }
        }

        if (!found.IsActive && filledLots < order.Lots && found.FilledLots == filledLots)
        {
            events.Add(new OrderCancelled(now, order.ClientOrderId, found.CancelExist ? "cancelled at the exchange" : "done at the exchange without filling"));
        }

        return events;
    }

    private void OnReconciled(Reconciled result)
    {
        PersistAndApply(result.Events, () =>
        {
            var problems = result.Problems.ToList();
            if (_state.Position.Lots != result.ExchangeLots)
            {
                problems.Add($"the journal's position is {_state.Position.Lots} lots and the exchange's is {result.ExchangeLots}");
            }

            if (problems.Count > 0)
            {
                _phase = ExecutionPhase.Closed;
                _closedReason = "reconciliation could not prove the state: " + string.Join("; ", problems);
                _log.Error("{0}: {1}. No order will be accepted until an operator resolves it.", _symbol, _closedReason);
                ContinueEmergencyClose();
                Protect();
                SchedulePoll();
            }
            else
            {
                _phase = ExecutionPhase.Ready;
                _closedReason = null;
                _log.Info("{0}: reconciled with the exchange ({1} event(s) recorded); position {2} lots", _symbol, result.Events.Count, _state.Position.Lots);
                ContinueEmergencyClose();
                Protect();
                SchedulePoll();
                Timers.StartPeriodicTimer("funding", CheckFunding.Instance, TimeSpan.Zero, _settings.FundingCheckEvery);
            }

            Stash.UnstashAll();
        });
    }

    // ----- Placing ----------------------------------------------------------------------------------------------

    private void OnPlace(PlaceApprovedOrder command)
    {
        var approval = command.Approval;
        var entryId = ClientOrderIds.For(_symbol, command.DecisionTimeMs, OrderPurpose.Entry);
        if (_phase is ExecutionPhase.Recovering or ExecutionPhase.Reconciling)
        {
            Stash.Stash();
            return;
        }

        if (_phase == ExecutionPhase.Closed)
        {
            Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.NotReady, _closedReason ?? "closed"));
            return;
        }

        if (_state.Emergency is { } emergency)
        {
            Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.NotReady, "an emergency close is under way: " + emergency.Reason));
            return;
        }

        if (approval.Symbol != _symbol)
        {
            Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.Refused, $"the approval is for {approval.Symbol}, not {_symbol}"));
            return;
        }

        if (_state.Orders.ContainsKey(entryId))
        {
            Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.Duplicate, "this decision was already placed"));
            return;
        }

        var now = Now;

        // Price discovery (the seed): the 9th level of the live book, refused when too far from mid.
        decimal? entryPrice = null;
        if (_book is { } book && now - book.AtMs <= _settings.BookMaxAge.TotalMilliseconds)
        {
            var quote = EntryPricing.Discover(approval.Side, book.Bids, book.Asks, _settings.MaxSlippage);
            if (quote.Error == EntryPricingError.SlippageExceeded)
            {
                var reason = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SLIPPAGE_EXCEEDED: the 9th-level entry {quote.Price} is {quote.Slippage:P3} from mid {quote.Mid}, more than {_settings.MaxSlippage:P3}");
                _log.Warning("{0}: {1}", _symbol, reason);
                Publish(Topics.OrderFilled, new OrderFinished(_symbol, entryId, OrderPurpose.Entry, OrderStatus.Rejected, 0, approval.Lots, now));
                Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.Refused, reason));
                return;
            }

            entryPrice = quote.IsOk ? quote.Price : null;
        }

        // The last gate: what no risk gate could have approved under the configured limits is never sent.
        var mark = _book is { Bids.Length: > 0, Asks.Length: > 0 } fresh && now - fresh.AtMs <= _settings.BookMaxAge.TotalMilliseconds ? (fresh.Bids[0].Price + fresh.Asks[0].Price) / 2 : (decimal?)null;
        var refusals = ApprovalBounds.Check(approval, _state.Contract, _settings.Limits, entryPrice ?? approval.EntryPrice, mark);
        if (refusals.Count > 0)
        {
            var detail = string.Join("; ", refusals);
            _log.Error("{0}: the last gate refused an approval: {1}", _symbol, detail);
            Publish(Topics.RiskRejected, new ApprovalRefused(_symbol, entryId, [.. refusals.Select(r => r.Code)], detail, now));
            Publish(Topics.OrderFilled, new OrderFinished(_symbol, entryId, OrderPurpose.Entry, OrderStatus.Rejected, 0, approval.Lots, now));
            Sender.Tell(new OrderPlacementResult(_symbol, entryId, PlacementStatus.Refused, detail));
            return;
        }

        var orders = new[]
        {
            Order.Entry(approval, entryId, entryPrice),
            Order.StopLoss(approval, ClientOrderIds.For(_symbol, command.DecisionTimeMs, OrderPurpose.StopLoss)),
            Order.TakeProfit(approval, ClientOrderIds.For(_symbol, command.DecisionTimeMs, OrderPurpose.TakeProfit)),
        };
        var sender = Sender;

        // Written before it is sent: after a crash the journal knows the clientOid to look for.
        PersistAndApply(orders.Select(o => (ExecutionEvent)new OrderPlaced(now, o)).ToArray(), () =>
        {
            foreach (var order in orders)
            {
                _placing[order.ClientOrderId] = (order.Purpose == OrderPurpose.Entry ? sender : ActorRefs.Nobody, approval.Leverage);
                Send(order, approval.Leverage);
            }
        });
    }

    private void Send(Order order, decimal leverage) =>
        _exchange.PlaceAsync(order, leverage, CancellationToken.None)
            .PipeTo(Self, success: outcome => new Placed(order.ClientOrderId, outcome, null), failure: e => new Placed(order.ClientOrderId, null, e.GetBaseException().Message));

    private void OnPlaced(Placed placed)
    {
        _placing.Remove(placed.ClientOrderId, out var waiting);
        if (!_state.Orders.TryGetValue(placed.ClientOrderId, out var order) || order.Status != OrderStatus.New)
        {
            return;
        }

        var now = Now;
        if (placed.Outcome is { Accepted: true } accepted)
        {
            PersistAndApply([new OrderAccepted(now, placed.ClientOrderId, accepted.ExchangeOrderId!)], () =>
            {
                waiting.Sender?.Tell(new OrderPlacementResult(_symbol, placed.ClientOrderId, PlacementStatus.Accepted, accepted.ExchangeOrderId!));
                Protect();
                SchedulePoll();
            });
        }
        else if (placed.Outcome is { Refusal: { } refusal })
        {
            _log.Warning("{0}: the exchange refused {1}: {2}", _symbol, placed.ClientOrderId, refusal);
            PersistAndApply([new OrderRejected(now, placed.ClientOrderId, refusal)], () =>
            {
                waiting.Sender?.Tell(new OrderPlacementResult(_symbol, placed.ClientOrderId, PlacementStatus.Refused, refusal));
                Protect();
                SchedulePoll();
            });
        }
        else
        {
            // Unknown outcome: the order stays new; the next poll asks the exchange by clientOid, and sends a stop,
            // target or exit the exchange never received again (ProtectiveOrders).
            _log.Warning("{0}: placing {1} ended without an answer ({2}); it will be looked up by clientOid", _symbol, placed.ClientOrderId, placed.Failure);
            waiting.Sender?.Tell(new OrderPlacementResult(_symbol, placed.ClientOrderId, PlacementStatus.Pending, placed.Failure ?? "no answer"));
            SchedulePoll();
        }
    }

    // ----- Entries that never fill ------------------------------------------------------------------------------

    /// <summary>
    /// The market's time (a candle's close, from the Data agent): unfilled entries past their timeout are cancelled,
    /// alone. Their stop and target stay until the entry's end is known: a fill racing the cancel stays protected, and
    /// an entry that ends unfilled loses them then (<see cref="ProtectiveOrders"/>).
    /// </summary>
    private void ExpireEntries(long marketTimeMs)
    {
        if (_phase != ExecutionPhase.Ready)
        {
            return;
        }

        var expired = _state.Orders.Values
            .Where(o => o is { Purpose: OrderPurpose.Entry, FilledLots: 0, IsFinal: false } && !_placing.ContainsKey(o.ClientOrderId) && !_cancelling.Contains(o.ClientOrderId)
                && ClientOrderIds.DecisionTime(o.ClientOrderId) is { } decided && marketTimeMs - decided >= _settings.EntryTimeout.TotalMilliseconds)
            .ToList();
        foreach (var entry in expired)
        {
            _log.Info("{0}: entry {1} unfilled for {2} is cancelled", _symbol, entry.ClientOrderId, _settings.EntryTimeout);
            Cancel(entry.ClientOrderId, "unfilled past the entry timeout");
        }
    }

    // ----- Emergency stop ---------------------------------------------------------------------------------------

    private void OnEmergencyClose(EmergencyClose command)
    {
        if (_phase is ExecutionPhase.Recovering or ExecutionPhase.Reconciling)
        {
            Stash.Stash();
            return;
        }

        // Even a closed entity closes: an emergency overrides the wait for an operator. The request is journaled
        // first, so a crash in the middle resumes the close.
        var working = _state.Orders.Values.Count(o => !o.IsFinal);
        var lots = Math.Abs(_state.Position.Lots);
        var sender = Sender;
        _log.Error("{0}: emergency close ({1}): {2} order(s) working, the journal holds {3} lots; closing to the exchange's flat", _symbol, command.Reason, working, _state.Position.Lots);
        PersistAndApply(_state.Emergency is null ? [new EmergencyCloseRequested(Now, command.Reason)] : [], () =>
        {
            sender.Tell(new EmergencyCloseStarted(_symbol, working, lots));
            ContinueEmergencyClose();
        });
    }

    private void ContinueEmergencyClose()
    {
        if (_state.Emergency is not null && !_closingInEmergency)
        {
            _closingInEmergency = true;
            Self.Tell(EmergencyStep.Instance);
        }
    }

    /// <summary>One round of the emergency close: what the exchange has (fills, orders it never received, its position).</summary>
    private void OnEmergencyStep()
    {
        var working = _state.Orders.Values.Where(o => !o.IsFinal && !_placing.ContainsKey(o.ClientOrderId)).ToList();
        var applied = _appliedTrades.ToImmutableHashSet(StringComparer.Ordinal);
        var now = Now;
        ObserveAsync(working, applied, now).PipeTo(Self, failure: e => new EmergencyObserved(new Polled([], [], e.GetBaseException().Message), null));
    }

    private async Task<EmergencyObserved> ObserveAsync(List<Order> working, ImmutableHashSet<string> applied, long now)
    {
        var polled = await PollAsync(working, applied, now).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return new EmergencyObserved(polled, await _exchange.PositionLotsAsync(_symbol, timeout.Token).ConfigureAwait(false));
    }

    private void OnEmergencyObserved(EmergencyObserved observed)
    {
        RecordPolled(observed.Polled, () =>
        {
            var next = _settings.PollInterval;
            if (observed.ExchangeLots is not { } exchangeLots)
            {
                _log.Warning("{0}: emergency close: the exchange cannot be read ({1}); trying again", _symbol, observed.Polled.Failure);
            }
            else if (EmergencyCloser.IsDone(_state, exchangeLots))
            {
                PersistAndApply([new EmergencyCloseCompleted(Now)], () =>
                {
                    _closingInEmergency = false;
                    _log.Warning("{0}: emergency close done: the exchange reports flat, nothing working", _symbol);
                    if (_state.Position.Lots != 0)
                    {
                        _phase = ExecutionPhase.Closed;
                        _closedReason = $"after the emergency close the exchange is flat but the journal holds {_state.Position.Lots} lots: fills are missing from the journal";
                        _log.Error("{0}: {1}. No order will be accepted until an operator resolves it.", _symbol, _closedReason);
                    }
                });
                return;
            }
            else
            {
                Execute(EmergencyCloser.Decide(_state, exchangeLots, View()));
            }

            Timers.StartSingleTimer("emergency", EmergencyStep.Instance, next);
        });
    }

    // ----- Protective orders ------------------------------------------------------------------------------------

    private ProtectionView View() => new(_placing.Keys.Concat(_cancelling).ToHashSet(StringComparer.Ordinal), _unplaced.ToHashSet(StringComparer.Ordinal), _unprotectedSince, _lastPrice);

    /// <summary>
    /// Runs the protective-order state machine over the journal's state and carries out what it decides. An entity
    /// that could not prove its state (closed, waiting for an operator) still closes a position left without a stop
    /// past the deadline: exits and stops always may.
    /// </summary>
    private void Protect()
    {
        if (_phase is not (ExecutionPhase.Ready or ExecutionPhase.Closed) || _state.Emergency is not null)
        {
            return;
        }

        if (ProtectiveOrders.IsProtected(_state))
        {
            _unprotectedSince = null;
        }
        else
        {
            _unprotectedSince ??= Now;
        }

        var actions = ProtectiveOrders.Decide(_state, View(), Now, _settings.StopDeadline, _settings.Trailing);
        Execute(_phase == ExecutionPhase.Ready ? actions : [.. actions.OfType<CloseUnprotected>()]);
    }

    private void Execute(IReadOnlyList<ProtectiveAction> actions)
    {
        var now = Now;
        foreach (var action in actions)
        {
            switch (action)
            {
                case CancelOrder cancel:
                    _log.Info("{0}: cancelling {1}: {2}", _symbol, cancel.ClientOrderId, cancel.Reason);
                    Cancel(cancel.ClientOrderId, cancel.Reason);
                    break;
                case ResendOrder resend when _state.Orders.TryGetValue(resend.ClientOrderId, out var order):
                    _log.Warning("{0}: sending {1} again: {2}", _symbol, resend.ClientOrderId, resend.Reason);
                    _unplaced.Remove(resend.ClientOrderId);
                    _placing[order.ClientOrderId] = (ActorRefs.Nobody, order.Leverage ?? 1);
                    Send(order, order.Leverage ?? 1);
                    break;
                case PlaceProtectiveOrder place:
                    _log.Warning("{0}: placing {1} ({2} {3} lots): {4}", _symbol, place.Order.ClientOrderId, place.Order.Purpose, place.Order.Lots, place.Reason);
                    PlaceNew(place.Order, now);
                    break;
                case CloseUnprotected close:
                    // Closed by the emergency close: sized from the exchange's position, sent again and repeated until
                    // the exchange reports flat, journaled so that a crash in the middle resumes it.
                    _log.Error("{0}: position without stop: {1}; closing {2} lots at market", _symbol, close.Reason, close.Lots);
                    Publish(Topics.PositionUnprotected, new PositionWithoutStop(_symbol, close.Lots, close.UnprotectedForMs, close.Reason, now));
                    _unprotectedSince = null;
                    PersistAndApply([new EmergencyCloseRequested(now, "position without stop: " + close.Reason)], ContinueEmergencyClose);
                    return;
            }
        }
    }

    /// <summary>Written before it is sent: after a crash the journal knows the clientOid to look for.</summary>
    private void PlaceNew(Order order, long now)
    {
        _placing[order.ClientOrderId] = (ActorRefs.Nobody, order.Leverage ?? 1);
        PersistAndApply([new OrderPlaced(now, order)], () => Send(order, order.Leverage ?? 1));
    }

    private void Cancel(string clientOrderId, string reason)
    {
        if (!_cancelling.Add(clientOrderId))
        {
            return;
        }

        _exchange.CancelAsync(_symbol, clientOrderId, CancellationToken.None)
            .PipeTo(Self, success: () => new CancelAnswered(clientOrderId, reason, null), failure: e => new CancelAnswered(clientOrderId, reason, e.GetBaseException().Message));
    }

    private void OnCancelAnswered(CancelAnswered answer)
    {
        _cancelling.Remove(answer.ClientOrderId);
        if (answer.Failure is not null)
        {
            // Already done at the exchange, or the exchange is failing: the poll records what really happened.
            _log.Info("{0}: cancelling {1} ({2}) failed: {3}", _symbol, answer.ClientOrderId, answer.Reason, answer.Failure);
        }

        SchedulePoll();
    }

    // ----- Funding ----------------------------------------------------------------------------------------------

    /// <summary>Funding is the exchange's to settle: the journal records each settlement it reports, once (by its time).</summary>
    private void OnCheckFunding()
    {
        if (_phase != ExecutionPhase.Ready || _state.FundingRecordedUntilMs is not { } after)
        {
            return;
        }

        FundingAsync(after).PipeTo(Self, failure: e => new FundingRead([], e.GetBaseException().Message));
    }

    private async Task<FundingRead> FundingAsync(long after)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return new FundingRead(await _exchange.FundingAfterAsync(_symbol, after, timeout.Token).ConfigureAwait(false), null);
    }

    private void OnFundingRead(FundingRead read)
    {
        if (read.Failure is not null)
        {
            _log.Warning("{0}: reading funding settlements failed ({1}); trying again in {2}", _symbol, read.Failure, _settings.FundingCheckEvery);
            return;
        }

        // Only those still after the latest recorded: a read that raced another records nothing twice.
        var fresh = read.Settlements.Where(f => f.TimeMs > (_state.FundingRecordedUntilMs ?? long.MinValue)).OrderBy(f => f.TimeMs)
            .Select(f => (ExecutionEvent)new FundingSettled(f.TimeMs, f.FundingRate, f.MarkPrice, f.Paid)).ToList();
        if (fresh.Count > 0)
        {
            _log.Info("{0}: {1} funding settlement(s) recorded, {2} paid", _symbol, fresh.Count, fresh.Cast<FundingSettled>().Sum(f => f.Amount));
        }

        PersistAndApply(fresh, () => { });
    }

    // ----- Following working orders -----------------------------------------------------------------------------

    private void SchedulePoll()
    {
        // A closed entity keeps following its own orders too: it records what the exchange did, and closes a position
        // left without a stop (Protect).
        if (!_polling && _phase is ExecutionPhase.Ready or ExecutionPhase.Closed && (_state.Position.Lots != 0 || _state.Orders.Values.Any(o => !o.IsFinal)))
        {
            _polling = true;
            Timers.StartSingleTimer("poll", Poll.Instance, _settings.PollInterval);
        }
    }

    private void OnPoll()
    {
        var working = _state.Orders.Values.Where(o => !o.IsFinal && !_placing.ContainsKey(o.ClientOrderId)).ToList();
        var applied = _appliedTrades.ToImmutableHashSet(StringComparer.Ordinal);
        var now = Now;
        PollAsync(working, applied, now).PipeTo(Self, failure: e => new Polled([], [], e.GetBaseException().Message));
    }

    private async Task<Polled> PollAsync(List<Order> working, ImmutableHashSet<string> applied, long now)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<ExecutionEvent>();
        var unplaced = new List<string>();
        foreach (var order in working)
        {
            var found = await _exchange.FindOrderAsync(order.ClientOrderId, timeout.Token).ConfigureAwait(false);
            if (found is not null)
            {
                events.AddRange(await ExchangeEventsAsync(order, found, applied, now, timeout.Token).ConfigureAwait(false));
            }
            else if (order.Status == OrderStatus.New)
            {
                unplaced.Add(order.ClientOrderId); // its send ended without an answer, and the exchange has never heard of it
            }
        }

        return new Polled(events, unplaced, null);
    }

    private void OnPolled(Polled polled)
    {
        _polling = false;
        if (polled.Failure is not null)
        {
            _log.Warning("{0}: checking working orders failed ({1}); trying again", _symbol, polled.Failure);
        }

        RecordPolled(polled, () =>
        {
            Protect();
            SchedulePoll();
        });
    }

    /// <summary>Persists what a poll found that still applies, and remembers the orders the exchange never received.</summary>
    private void RecordPolled(Polled polled, Action then)
    {
        _unplaced.Clear();
        _unplaced.UnionWith(polled.Unplaced.Where(id => !_placing.ContainsKey(id)));

        // Events for orders that moved on meanwhile are dropped: the next poll sees the exchange again.
        var fresh = new List<ExecutionEvent>();
        var state = _state;
        foreach (var e in polled.Events)
        {
            try
            {
                if (e is OrderFilled f && _appliedTrades.Contains(f.TradeId))
                {
                    continue;
                }

                state = ExecutionLedger.Apply(state, e);
                fresh.Add(e);
            }
            catch (InvalidOperationException)
            {
                break;
            }
        }

        PersistAndApply(fresh, then);
    }

    private sealed record StartReconciliation
    {
        public static StartReconciliation Instance { get; } = new();
    }

    private sealed record Reconciled(IReadOnlyList<ExecutionEvent> Events, long ExchangeLots, IReadOnlyList<string> Problems);

    private sealed record ReconciliationFailed(string Reason);

    private sealed record Placed(string ClientOrderId, PlacementOutcome? Outcome, string? Failure);

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }

    private sealed record Polled(IReadOnlyList<ExecutionEvent> Events, IReadOnlyList<string> Unplaced, string? Failure);

    private sealed record EmergencyStep
    {
        public static EmergencyStep Instance { get; } = new();
    }

    private sealed record EmergencyObserved(Polled Polled, long? ExchangeLots);

    private sealed record CheckFunding
    {
        public static CheckFunding Instance { get; } = new();
    }

    private sealed record FundingRead(IReadOnlyList<ExchangeFundingReport> Settlements, string? Failure);

    private sealed record CancelAnswered(string ClientOrderId, string Reason, string? Failure);
}
