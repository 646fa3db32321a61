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
        Command<Signal.CandleClosed>(closed => ExpireEntries(closed.Candle.OpenTimeMs + 300_000)); // the Data agent's candles are 5-minute
        Command<EntriesExpired>(expired =>
        {
            foreach (var failure in expired.Failures)
            {
                _log.Warning("{0}: cancelling an expired entry: {1}", _symbol, failure);
            }

            SchedulePoll();
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
        Command<EmergencyCancelled>(OnEmergencyCancelled);
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
            }
            else
            {
                _phase = ExecutionPhase.Ready;
                _closedReason = null;
                _log.Info("{0}: reconciled with the exchange ({1} event(s) recorded); position {2} lots", _symbol, result.Events.Count, _state.Position.Lots);
                SchedulePoll();
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
                SchedulePoll();
            });
        }
        else if (placed.Outcome is { Refusal: { } refusal })
        {
            PersistAndApply([new OrderRejected(now, placed.ClientOrderId, refusal)], () =>
                waiting.Sender?.Tell(new OrderPlacementResult(_symbol, placed.ClientOrderId, PlacementStatus.Refused, refusal)));
        }
        else
        {
            // Unknown outcome: the order stays new; the next poll asks the exchange by clientOid.
            _log.Warning("{0}: placing {1} ended without an answer ({2}); it will be looked up by clientOid", _symbol, placed.ClientOrderId, placed.Failure);
            waiting.Sender?.Tell(new OrderPlacementResult(_symbol, placed.ClientOrderId, PlacementStatus.Pending, placed.Failure ?? "no answer"));
            SchedulePoll();
        }
    }

    // ----- Entries that never fill ------------------------------------------------------------------------------

    /// <summary>The market's time (a candle's close, from the Data agent): unfilled entries past their timeout are cancelled.</summary>
    private void ExpireEntries(long marketTimeMs)
    {
        if (_phase != ExecutionPhase.Ready)
        {
            return;
        }

        var expired = _state.Orders.Values
            .Where(o => o is { Purpose: OrderPurpose.Entry, FilledLots: 0, IsFinal: false } && !_placing.ContainsKey(o.ClientOrderId)
                && ClientOrderIds.DecisionTime(o.ClientOrderId) is { } decided && marketTimeMs - decided >= _settings.EntryTimeout.TotalMilliseconds)
            .SelectMany(o => new[] { o.ClientOrderId, ClientOrderIds.Sibling(o.ClientOrderId, OrderPurpose.StopLoss), ClientOrderIds.Sibling(o.ClientOrderId, OrderPurpose.TakeProfit) })
            .Where(id => _state.Orders.TryGetValue(id, out var order) && !order.IsFinal)
            .ToList();
        if (expired.Count == 0)
        {
            return;
        }

        _log.Info("{0}: {1} order(s) of entries unfilled for {2} are cancelled", _symbol, expired.Count, _settings.EntryTimeout);
        CancelAllAsync(expired).PipeTo(Self, success: failures => new EntriesExpired(failures), failure: e => new EntriesExpired([e.GetBaseException().Message]));
    }

    // ----- Emergency stop ---------------------------------------------------------------------------------------

    private void OnEmergencyClose(EmergencyClose command)
    {
        if (_phase is ExecutionPhase.Recovering or ExecutionPhase.Reconciling)
        {
            Stash.Stash();
            return;
        }

        // Even a closed entity closes what it knows of: an emergency overrides the wait for an operator.
        var working = _state.Orders.Values.Where(o => !o.IsFinal).Select(o => o.ClientOrderId).ToList();
        var sender = Sender;
        _log.Error("{0}: emergency close ({1}): cancelling {2} order(s), closing {3} lots", _symbol, command.Reason, working.Count, _state.Position.Lots);
        CancelAllAsync(working).PipeTo(Self, sender, success: failures => new EmergencyCancelled(command.Reason, working.Count, failures), failure: e => new EmergencyCancelled(command.Reason, working.Count, [e.GetBaseException().Message]));
    }

    private async Task<IReadOnlyList<string>> CancelAllAsync(List<string> clientOrderIds)
    {
        var failures = new List<string>();
        foreach (var id in clientOrderIds)
        {
            try
            {
                await _exchange.CancelAsync(_symbol, id, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Domain.Exchange.ExchangeRequestException or HttpRequestException or TimeoutException)
            {
                // Already done, or the exchange is failing: the poll records what really happened either way.
                failures.Add($"{id}: {e.Message}");
            }
        }

        return failures;
    }

    private void OnEmergencyCancelled(EmergencyCancelled cancelled)
    {
        var lots = Math.Abs(_state.Position.Lots);
        if (lots > 0 && _state.Position.Side is { } side)
        {
            var now = Now;
            var mark = _state.Position.AverageEntry;
            var exit = Order.EmergencyExit(_symbol, side, lots, mark, ClientOrderIds.For(_symbol, now, OrderPurpose.EmergencyExit));
            PersistAndApply([new OrderPlaced(now, exit)], () =>
            {
                _placing[exit.ClientOrderId] = (ActorRefs.Nobody, 1);
                Send(exit, 1);
            });
        }

        foreach (var failure in cancelled.Failures)
        {
            _log.Warning("{0}: emergency cancel: {1}", _symbol, failure);
        }

        Sender.Tell(new EmergencyCloseStarted(_symbol, cancelled.Orders, lots));
        SchedulePoll();
    }

    // ----- Following working orders -----------------------------------------------------------------------------

    private void SchedulePoll()
    {
        if (!_polling && _phase == ExecutionPhase.Ready && _state.Orders.Values.Any(o => !o.IsFinal))
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
        PollAsync(working, applied, now).PipeTo(Self, failure: e => new Polled([], e.GetBaseException().Message));
    }

    private async Task<Polled> PollAsync(List<Order> working, ImmutableHashSet<string> applied, long now)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<ExecutionEvent>();
        foreach (var order in working)
        {
            var found = await _exchange.FindOrderAsync(order.ClientOrderId, timeout.Token).ConfigureAwait(false);
            if (found is not null)
            {
                events.AddRange(await ExchangeEventsAsync(order, found, applied, now, timeout.Token).ConfigureAwait(false));
            }
        }

        return new Polled(events, null);
    }

    private void OnPolled(Polled polled)
    {
        _polling = false;
        if (polled.Failure is not null)
        {
            _log.Warning("{0}: checking working orders failed ({1}); trying again", _symbol, polled.Failure);
        }

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

        PersistAndApply(fresh, SchedulePoll);
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

    private sealed record Polled(IReadOnlyList<ExecutionEvent> Events, string? Failure);

    private sealed record EmergencyCancelled(string Reason, int Orders, IReadOnlyList<string> Failures);

    private sealed record EntriesExpired(IReadOnlyList<string> Failures);
}
