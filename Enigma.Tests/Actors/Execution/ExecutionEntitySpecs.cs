using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Signal;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Tests.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Execution;

/// <summary>The Execution entity on a real SQLite journal, trading against the simulator through the real client.</summary>
public sealed class ExecutionEntitySpecs() : ExecutionEntityTestKit("execution-specs")
{
    private KuCoinExchangeGateway Gateway(HttpMessageHandler? handler = null) => new KuCoinExchangeGateway(Sim.Client(handler: handler));

    private IActorRef Start(IExchangeGateway gateway) => Sys.ActorOf(ExecutionEntity.Props(Xbt, gateway, Fast));

    [Fact]
    public async Task Execution_entity_must_place_an_approved_order_record_its_fill_and_rebuild_the_position_after_restart()
    {
        var entity = Start(Gateway());
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");

        // An entry priced through the ask fills at once as a taker; its stop and target wait.
        var approval = await ApprovalAsync(1.001m);
        var result = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_300_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Accepted, result.Status);
        var filled = await WaitForAsync(entity, s => s.State.Position.Lots == 2, "the fill is recorded");
        Assert.Equal(3, filled.State.Orders.Count);
        Assert.Equal(2, (await Sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);

        var again = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_300_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Duplicate, again.Status);

        await StopAsync(entity);
        var restarted = Start(Gateway());
        var rebuilt = await WaitForAsync(restarted, s => s.Phase == ExecutionPhase.Ready, "the restarted entity reconciled");
        Assert.Equal(filled.State.Position, rebuilt.State.Position);
        Assert.Equal(filled.State.Orders.Values.Select(o => (o.ClientOrderId, o.Status, o.FilledLots)).Order(), rebuilt.State.Orders.Values.Select(o => (o.ClientOrderId, o.Status, o.FilledLots)).Order());
        Assert.Single(await Sim.Client().GetFillsAsync(symbol: Xbt.Symbol), f => f.Lots == 2);
    }

    [Fact]
    public async Task Execution_entity_must_record_each_funding_settlement_the_exchange_charged_once()
    {
        var entity = Sys.ActorOf(ExecutionEntity.Props(Xbt, Gateway(), Fast with { FundingCheckEvery = TimeSpan.FromMilliseconds(200) }));
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        Assert.Equal(PlacementStatus.Accepted, (await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(await ApprovalAsync(1.001m), 1_751_562_300_000), TimeSpan.FromSeconds(10))).Status);
        await WaitForAsync(entity, s => s.State.Position.Lots == 2, "the position is open");

        // Past a settlement (04:00, 12:00 or 20:00 UTC of the replay): the exchange charges the position.
        var client = Sim.Client();
        for (var i = 0; i < 20 && (await client.GetFundingHistoryAsync(Xbt.Symbol, 0)).Count == 0; i++)
        {
            Sim.Server.Step(TimeSpan.FromHours(1));
        }

        var charged = Assert.Single(await client.GetFundingHistoryAsync(Xbt.Symbol, 0));
        var status = await WaitForAsync(entity, s => s.State.Position.FundingPaid != 0, "the settlement is in the journal");
        Assert.Equal(-charged.Funding, status.State.Position.FundingPaid);
        Assert.Equal(charged.TimeMs, status.State.LastFundingMs);

        // Replayed from the journal after a restart: the same settlement, once.
        await StopAsync(entity);
        var restarted = Sys.ActorOf(ExecutionEntity.Props(Xbt, Gateway(), Fast));
        var rebuilt = await WaitForAsync(restarted, s => s.Phase == ExecutionPhase.Ready, "the restarted entity reconciled");
        Assert.Equal(-charged.Funding, rebuilt.State.Position.FundingPaid);
    }

    [Fact]
    public async Task Execution_entity_must_tag_its_events_by_symbol_and_kind_for_queries()
    {
        var entity = Start(Gateway());
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var approval = await ApprovalAsync(0.9m);
        var result = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_600_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Accepted, result.Status);
        await WaitForAsync(entity, s => s.State.Orders.Values.Count(o => o.Status == OrderStatus.Open) == 3, "entry, stop and target are open");

        var journal = Akka.Persistence.Query.PersistenceQuery.Get(Sys).ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>(Akka.Persistence.Sql.Query.SqlReadJournal.Identifier);
        async Task<List<Akka.Persistence.Query.EventEnvelope>> ByTag(string tag) =>
            [.. await journal.CurrentEventsByTag(tag, Akka.Persistence.Query.Offset.NoOffset()).RunAsAsyncEnumerable(Sys.Materializer()).ToListAsync()];
        var bySymbol = await ByTag("symbol:XBTUSDTM");
        Assert.Equal(6, bySymbol.Count); // three orders placed, three accepted
        Assert.All(bySymbol, e => Assert.Equal("execution-XBTUSDTM", e.PersistenceId));
        Assert.Equal(3, (await ByTag("kind:order-placed")).Count);
        Assert.All(await ByTag("kind:order-accepted"), e => Assert.IsType<OrderAccepted>(e.Event));
        Assert.Equal(6, (await ByTag("execution")).Count);
        Assert.Empty(await ByTag("symbol:ETHUSDTM"));
    }

    [Fact]
    public async Task Execution_entity_must_price_an_entry_at_the_books_ninth_level_and_refuse_one_too_far_from_mid()
    {
        var entity = Start(Gateway());
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var book = await Sim.Client().GetBookSnapshotAsync(Xbt.Symbol);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        entity.Tell(new BookTop(Xbt.Symbol, [.. book.Bids.Take(10)], [.. book.Asks.Take(10)], now));

        // A long rests at the 9th bid, whatever price risk sized it with.
        var approval = await ApprovalAsync(1.001m);
        var placed = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_300_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Accepted, placed.Status);
        var entry = (await Sim.Client().GetOrderByClientOidAsync(placed.ClientOrderId))!;
        Assert.Equal(book.Bids[8].Price, entry.Price);

        // A book whose 9th level is 1% from mid: SLIPPAGE_EXCEEDED, and nothing reaches the exchange.
        var mid = (book.Bids[0].Price + book.Asks[0].Price) / 2;
        BookLevel[] Thin(decimal first, decimal step) => [.. Enumerable.Range(0, 10).Select(i => new BookLevel(first + (i * step), 1))];
        entity.Tell(new BookTop(Xbt.Symbol, Thin(mid - 1, -(mid * 0.0012m)), Thin(mid + 1, mid * 0.0012m), now));
        var refused = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_600_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Refused, refused.Status);
        Assert.StartsWith("SLIPPAGE_EXCEEDED: ", refused.Detail, StringComparison.Ordinal);
        Assert.Null(await Sim.Client().GetOrderByClientOidAsync(refused.ClientOrderId));
    }

    [Fact]
    public async Task Execution_entity_must_cancel_an_entry_that_never_filled_with_its_stop_and_target_after_the_timeout()
    {
        var entity = Start(Gateway());
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        const long decided = 1_751_562_300_000;
        var placed = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(await ApprovalAsync(0.97m), decided), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Accepted, placed.Status);
        Assert.Equal(decided, ClientOrderIds.DecisionTime(placed.ClientOrderId));
        await WaitForAsync(entity, s => s.State.Orders.Values.All(o => o.Status == OrderStatus.Open), "all three orders are open");

        // Ten minutes of market time: still waiting. Fifteen: entry, stop and target cancelled; the symbol is free.
        var candle = new Candle(decided + 300_000, 1m, 1m, 1m, 1m, 1m);
        entity.Tell(new CandleClosed(Xbt.Symbol, candle));
        entity.Tell(new CandleClosed(Xbt.Symbol, candle with { OpenTimeMs = decided + 600_000 }));
        var cancelled = await WaitForAsync(entity, s => s.State.Orders.Values.All(o => o.Status == OrderStatus.Cancelled), "the expired entry and its siblings are cancelled");
        Assert.Equal(3, cancelled.State.Orders.Count);
        Assert.Empty(await Sim.Client().GetOpenOrdersAsync(Xbt.Symbol));
        Assert.Empty(await Sim.Client().GetStopOrdersAsync(Xbt.Symbol));
        Assert.Equal(ClientOrderIds.For(Xbt.Symbol, decided, OrderPurpose.StopLoss), ClientOrderIds.Sibling(placed.ClientOrderId, OrderPurpose.StopLoss));
    }

    [Fact]
    public async Task Execution_entity_must_record_the_fills_made_while_it_was_down()
    {
        var entity = Start(Gateway());
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var approval = await ApprovalAsync(0.999m, lots: 1);
        Assert.Equal(PlacementStatus.Accepted, (await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_600_000), TimeSpan.FromSeconds(10))).Status);
        await StopAsync(entity);

        await StepUntilFilledAsync();
        Assert.Equal(1, (await Sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);
        var restarted = Start(Gateway());
        var status = await WaitForAsync(restarted, s => s.Phase != ExecutionPhase.Reconciling && s.Phase != ExecutionPhase.Recovering, "reconciliation ended");
        Assert.Equal(ExecutionPhase.Ready, status.Phase);
        Assert.Equal(1, status.State.Position.Lots);
        var entry = status.State.Orders.Values.Single(o => o.Purpose == OrderPurpose.Entry);
        Assert.Equal(OrderStatus.Filled, entry.Status);
    }

    [Fact]
    public async Task Execution_entity_must_stay_closed_when_reconciliation_cannot_prove_the_position()
    {
        // Someone traded the symbol behind the journal's back.
        await Sim.Client().PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "manual-1", Symbol = Xbt.Symbol, Side = "buy", Type = "market", Lots = 3, Leverage = 2 });

        var entity = Start(Gateway());
        var status = await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Closed, "the entity refuses to open");
        Assert.Contains("position is 0 lots and the exchange's is 3", status.ClosedReason, StringComparison.Ordinal);

        var refused = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(await ApprovalAsync(0.99m), 1_751_563_000_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.NotReady, refused.Status);
        Assert.Equal(3, (await Sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);
    }

    [Fact]
    public async Task Execution_entity_must_mark_an_order_that_never_reached_the_exchange_as_rejected_and_never_send_it_twice()
    {
        using var cut = new LoseRepliesHandler(HttpMethod.Post, "/api/v1/orders", afterSending: false, times: int.MaxValue);
        var entity = Start(Gateway(cut));
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var result = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(await ApprovalAsync(0.99m), 1_751_563_300_000), TimeSpan.FromSeconds(20));
        Assert.Equal(PlacementStatus.Pending, result.Status);
        await StopAsync(entity);

        var restarted = Start(Gateway());
        var status = await WaitForAsync(restarted, s => s.Phase == ExecutionPhase.Ready, "reconciled");
        Assert.All(status.State.Orders.Values, o => Assert.Equal(OrderStatus.Rejected, o.Status));
        Assert.Empty(await Sim.Client().GetOpenOrdersAsync(Xbt.Symbol));
        Assert.Empty(await Sim.Client().GetStopOrdersAsync(Xbt.Symbol));
    }
}
