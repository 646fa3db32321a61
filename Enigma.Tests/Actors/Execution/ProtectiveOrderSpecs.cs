using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Signal;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Execution;

/// <summary>
/// A position is never left without its stop (issue 17): the Execution entity on a real SQLite journal, against the
/// simulator through the real client, with faults injected on the wire between them.
/// </summary>
public sealed class ProtectiveOrderSpecs() : ExecutionEntityTestKit("protective-order-specs")
{
    private const long Decided = 1_751_562_300_000;
    private readonly WireFaults _faults = new();

    public override async Task DisposeAsync()
    {
        _faults.ReleaseLookups();
        await base.DisposeAsync();
        _faults.Dispose();
    }

    /// <summary>The entity's gateway: the real client, through the switchable faults, with a breaker that closes again soon.</summary>
    private IActorRef Start(ExecutionSettings? settings = null, IActorRef? bus = null) =>
        Sys.ActorOf(ExecutionEntity.Props(Xbt, new KuCoinExchangeGateway(Sim.Client(handler: _faults, configure: o => o with { BreakerOpenFor = TimeSpan.FromMilliseconds(300) })), settings ?? Fast, bus: bus));

    private async Task WaitForExchangeAsync(Func<KuCoinRestClient, Task<bool>> condition, string what, int seconds = 15)
    {
        var client = Sim.Client();
        await AwaitConditionAsync(async () => await condition(client), TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(20), what);
    }

    /// <summary>An entry resting under the ask, with its stop and target, that fills while the entity cannot see it (its lookups hang).</summary>
    private async Task<IActorRef> EntryFilledUnseenAsync()
    {
        var entity = Start();
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        Assert.Equal(PlacementStatus.Accepted, (await PlaceAsync(entity, await ApprovalAsync(0.999m, lots: 1))).Status);
        await WaitForAsync(entity, s => s.State.Orders.Values.All(o => o.Status == OrderStatus.Open), "entry, stop and target are open");
        _faults.HoldLookups();
        await StepUntilFilledAsync();
        return entity;
    }

    private async Task<OrderPlacementResult> PlaceAsync(IActorRef entity, SizedOrder approval, long decided = Decided) =>
        await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, decided), TimeSpan.FromSeconds(20));

    /// <summary>The working reduce-only sell stop at the exchange that protects a long, if any.</summary>
    private async Task<KuCoinOrder?> WorkingStopAsync() =>
        (await Sim.Client().GetStopOrdersAsync(Xbt.Symbol)).FirstOrDefault(o => o is { IsActive: true, Side: "sell", Stop: "down" });

    private static bool Protects(ExecutionStatus s) =>
        s.State.Orders.Values.Any(o => o is { Purpose: OrderPurpose.StopLoss, Status: OrderStatus.Open } && o.Lots >= Math.Abs(s.State.Position.Lots));

    [Fact]
    public async Task An_entry_that_fills_while_its_expiry_cancels_it_ends_with_its_filled_size_protected()
    {
        // The entity cannot see the fill (its lookups hang) when the entry's fifteen minutes are up: the race of the issue.
        var entity = await EntryFilledUnseenAsync();
        entity.Tell(new CandleClosed(Xbt.Symbol, new Candle(Decided + 600_000, 1m, 1m, 1m, 1m, 1m)));
        var entryId = ClientOrderIds.For(Xbt.Symbol, Decided, OrderPurpose.Entry);
        await AwaitConditionAsync(() => Task.FromResult(_faults.Seen.Any(r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains(entryId, StringComparison.Ordinal))), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20), "the expired entry's cancel was sent");
        _faults.ReleaseLookups();

        var status = await WaitForAsync(entity, s => s.State.Position.Lots == 1 && Protects(s), "the filled lot is protected by a working stop");
        Assert.NotNull(await WorkingStopAsync());
        Assert.Equal(1, (await Sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);
        Assert.Equal(OrderStatus.Filled, status.State.Orders.Values.Single(o => o.Purpose == OrderPurpose.Entry).Status);
    }

    [Fact]
    public async Task A_stop_loss_that_failed_to_place_is_sent_again_until_the_exchange_has_it()
    {
        var entity = Start(Fast with { StopDeadline = TimeSpan.FromMinutes(5) });
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        _faults.FailPlacementsOf = "-S0";

        // The entry fills at once as a taker; its stop meets 5xx after the client's retries: outcome unknown.
        await PlaceAsync(entity, await ApprovalAsync(1.001m));
        await WaitForAsync(entity, s => s.State.Position.Lots == 2 && s.State.Orders.Values.Any(o => o is { Purpose: OrderPurpose.StopLoss, Status: OrderStatus.New }), "the position is open and its stop unplaced");
        Assert.True(_faults.Failed > 0);

        _faults.FailPlacementsOf = null;
        await WaitForAsync(entity, Protects, "the stop is working");
        Assert.NotNull(await WorkingStopAsync());
    }

    [Fact]
    public async Task A_position_whose_stop_cannot_be_placed_within_the_deadline_is_closed_at_market_and_the_audit_agent_told()
    {
        var bus = CreateTestProbe();
        var entity = Start(Fast with { StopDeadline = TimeSpan.FromSeconds(2) }, bus.Ref);
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        _faults.FailPlacementsOf = "-S";

        await PlaceAsync(entity, await ApprovalAsync(1.001m));
        await WaitForExchangeAsync(async c => (await c.GetPositionAsync(Xbt.Symbol)).Lots == 2, "the entry filled");
        await WaitForExchangeAsync(async c => (await c.GetPositionAsync(Xbt.Symbol)).Lots == 0, "the unprotected position is closed at market");
        var status = await WaitForAsync(entity, s => s.State.Position.Lots == 0, "the journal records the close");
        Assert.Contains(status.State.Orders.Values, o => o is { Purpose: OrderPurpose.EmergencyExit, Status: OrderStatus.Filled });

        var told = await bus.FishForMessageAsync<Publish>(p => p.Message is AgentEnvelope<PositionWithoutStop>, TimeSpan.FromSeconds(10));
        var breach = ((AgentEnvelope<PositionWithoutStop>)told.Message).Payload;
        Assert.Equal(Xbt.Symbol, breach.Symbol);
        Assert.Equal(2, breach.Lots);
        Assert.True(breach.UnprotectedForMs >= 2_000, $"unprotected for {breach.UnprotectedForMs} ms");
    }

    [Fact]
    public async Task When_the_target_fills_the_stop_is_cancelled_at_the_exchange()
    {
        var entity = Start();
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");

        // A target just over the entry: the replay reaches it long before the stop 5% under.
        await PlaceAsync(entity, await ApprovalAsync(1.001m, targetFactor: 1.002m));
        await WaitForAsync(entity, s => s.State.Position.Lots == 2 && Protects(s), "the position is open and protected");
        var client = Sim.Client();
        for (var i = 0; i < 288 && (await client.GetPositionAsync(Xbt.Symbol)).Lots != 0; i++)
        {
            Sim.Server.Step(TimeSpan.FromMinutes(5));
        }

        var status = await WaitForAsync(entity, s => s.State.Position.Lots == 0 && s.State.Orders.Values.All(o => o.IsFinal), "the target filled and the stop went with it");
        Assert.Equal(OrderStatus.Filled, status.State.Orders.Values.Single(o => o.Purpose == OrderPurpose.TakeProfit).Status);
        Assert.Equal(OrderStatus.Cancelled, status.State.Orders.Values.Single(o => o.Purpose == OrderPurpose.StopLoss).Status);
        Assert.Empty(await Sim.Client().GetStopOrdersAsync(Xbt.Symbol));
    }

    [Fact]
    public async Task An_entry_the_exchange_refuses_takes_its_stop_and_target_with_it()
    {
        var entity = Start();
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");

        // 90,000 USDT at 5x: more than the 10,000 balance can margin (300003), within the last gate's notional cap.
        // The reduce-only stop and target cost nothing and are accepted.
        var price = (await Sim.Client().GetTickerAsync(Xbt.Symbol)).BestAsk;
        var refused = await PlaceAsync(entity, await ApprovalAsync(0.99m, lots: (long)(90_000m / (price * Xbt.Multiplier))));
        Assert.Equal(PlacementStatus.Refused, refused.Status);

        await WaitForAsync(entity, s => s.State.Orders.Values.All(o => o.IsFinal), "the stop and target are cancelled");
        Assert.Empty(await Sim.Client().GetStopOrdersAsync(Xbt.Symbol));
    }

    [Fact]
    public async Task An_approval_beyond_the_configured_limits_is_refused_at_the_last_gate_and_the_audit_trail_told()
    {
        var bus = CreateTestProbe();
        var entity = Start(Fast with { Limits = new ApprovalLimits { MaxLeverage = 20, MaxOrderNotional = 1_000m, MaxMarkDistance = 0.01m } }, bus.Ref);
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var book = await Sim.Client().GetBookSnapshotAsync(Xbt.Symbol);
        entity.Tell(new BookTop(Xbt.Symbol, [.. book.Bids.Take(10)], [.. book.Asks.Take(10)], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

        // 100 lots of XBT are ~10,000 USDT notional: over the 1,000 cap. Nothing reaches the exchange.
        var refused = await PlaceAsync(entity, await ApprovalAsync(0.999m, lots: 100));
        Assert.Equal(PlacementStatus.Refused, refused.Status);
        Assert.StartsWith("LAST_GATE_NOTIONAL: ", refused.Detail, StringComparison.Ordinal);
        Assert.Null(await Sim.Client().GetOrderByClientOidAsync(refused.ClientOrderId));
        var told = await bus.FishForMessageAsync<Publish>(p => p.Message is AgentEnvelope<ApprovalRefused>, TimeSpan.FromSeconds(5));
        Assert.Equal(["LAST_GATE_NOTIONAL"], ((AgentEnvelope<ApprovalRefused>)told.Message).Payload.Codes);

        // A stop on the winning side of a long: no risk gate makes that.
        var approval = await ApprovalAsync(0.999m, lots: 1);
        var inverted = new SizedOrder(Xbt.Symbol, Side.Long, 1, 5, approval.EntryPrice, approval.TakeProfitPrice, approval.TakeProfitPrice * 1.01m, approval.LiquidationPrice, approval.Margin, 1, 1);
        var wrong = await PlaceAsync(entity, inverted, Decided + 300_000);
        Assert.Equal(PlacementStatus.Refused, wrong.Status);
        Assert.Contains("LAST_GATE_STOP", wrong.Detail, StringComparison.Ordinal);

        // Within every limit: placed.
        Assert.Equal(PlacementStatus.Accepted, (await PlaceAsync(entity, approval, Decided + 600_000)).Status);
        Assert.Equal(0, (await StatusAsync(entity)).State.Orders.Count(o => o.Key.Contains("-E", StringComparison.Ordinal) && o.Value.Status == OrderStatus.Rejected));
    }

    [Fact]
    public async Task The_trailing_stop_follows_closed_candles_by_placing_the_new_stop_before_cancelling_the_old_and_never_moves_back()
    {
        var entity = Start(Fast with { Trailing = new TrailingStopParameters(10, 5, 5) });
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "the entity is ready");
        var ticker = await Sim.Client().GetTickerAsync(Xbt.Symbol);
        var limit = Xbt.FloorToTick(ticker.BestAsk * 1.001m);
        var approval = new SizedOrder(Xbt.Symbol, Side.Long, 2, 50, limit, Xbt.CeilingToTick(limit * 0.99m), Xbt.FloorToTick(limit * 1.05m), limit * 0.97m, limit * 2 * Xbt.Multiplier / 50, 10, 1);
        Assert.Equal(PlacementStatus.Accepted, (await PlaceAsync(entity, approval)).Status);
        var open = await WaitForAsync(entity, s => s.State.Position.Lots == 2 && Protects(s), "the position is open and protected");
        var entry = open.State.Position.AverageEntry;

        // The replay climbs at least 0.25% (12.5% ROI at 50x): the staircase's second stair.
        var client = Sim.Client();
        decimal price;
        for (var i = 0; (price = (await client.GetTickerAsync(Xbt.Symbol)).LastPrice) < entry * 1.0025m; i++)
        {
            Assert.True(i < 2_000, "the replay never climbed 0.25% in a week");
            Assert.NotEqual(0, (await client.GetPositionAsync(Xbt.Symbol)).Lots);
            Sim.Server.Step(TimeSpan.FromMinutes(1));
        }

        var roi = (price - entry) / entry * 50 * 100;
        var level = decimal.Floor(roi / 5) * 5;
        var expected = Xbt.CeilingToTick(entry * (1 + ((level - 5) / 50 / 100)));
        entity.Tell(new CandleClosed(Xbt.Symbol, new Candle(Decided + 3_600_000, price, price, price, price, 1m)));
        var moved = await WaitForAsync(entity, s => s.State.Orders.Values.Count(o => o.Purpose == OrderPurpose.StopLoss) == 2 && s.State.Orders.Values.All(o => o.Purpose != OrderPurpose.StopLoss || o.Status is OrderStatus.Open or OrderStatus.Cancelled) && s.State.Orders.Values.Any(o => o is { Purpose: OrderPurpose.StopLoss, Status: OrderStatus.Cancelled }), "the stop moved up and the old one is cancelled");
        var stop = moved.State.Orders.Values.Single(o => o is { Purpose: OrderPurpose.StopLoss, Status: OrderStatus.Open });
        Assert.Equal(expected, stop.StopPrice);
        Assert.Equal(ClientOrderIds.For(Xbt.Symbol, Decided, OrderPurpose.StopLoss, 1), stop.ClientOrderId);
        var atExchange = Assert.Single(await client.GetStopOrdersAsync(Xbt.Symbol), o => o is { Side: "sell", Stop: "down" });
        Assert.Equal(expected, atExchange.StopPrice);

        // The price falls back to the first stair (11% ROI): the stop stays where it is.
        var lower = entry * (1 + (11m / 50 / 100));
        entity.Tell(new CandleClosed(Xbt.Symbol, new Candle(Decided + 3_900_000, lower, lower, lower, lower, 1m)));
        var after = await StatusAsync(entity);
        Assert.Equal(2, after.State.Orders.Values.Count(o => o.Purpose == OrderPurpose.StopLoss));
    }

    [Fact]
    public async Task An_emergency_close_sizes_its_exit_from_the_exchanges_position_and_ends_flat_with_nothing_working()
    {
        // The fill happens while the entity cannot look orders up: its journal still says flat when the emergency comes.
        var entity = await EntryFilledUnseenAsync();
        var started = await entity.Ask<EmergencyCloseStarted>(new EmergencyClose(Xbt.Symbol, "spec"), TimeSpan.FromSeconds(20));
        Assert.Equal(Xbt.Symbol, started.Symbol);
        _faults.ReleaseLookups();

        await WaitForExchangeAsync(async c => (await c.GetPositionAsync(Xbt.Symbol)).Lots == 0, "the exchange reports flat");
        await WaitForExchangeAsync(async c => (await c.GetStopOrdersAsync(Xbt.Symbol)).Count == 0 && (await c.GetOpenOrdersAsync(Xbt.Symbol)).Count == 0, "nothing is left working");
        await WaitForAsync(entity, s => s.State.Position.Lots == 0 && s.State.Orders.Values.All(o => o.IsFinal), "the journal agrees");
    }
}

/// <summary>
/// Faults on the wire between our client and the simulator, switched while a spec runs: order lookups by clientOid
/// hang until released (the entity cannot see fills, and no failure opens the client's breaker), and placements of
/// chosen client order ids meet KuCoin's 500.
/// </summary>
internal sealed class WireFaults() : DelegatingHandler(new HttpClientHandler())
{
    private int _failed;
    private volatile TaskCompletionSource? _lookups;

    /// <summary>Placements whose clientOid contains this fail with HTTP 500 (null: none).</summary>
    public volatile string? FailPlacementsOf;

    public int Failed => Volatile.Read(ref _failed);

    public void HoldLookups() => _lookups = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseLookups() => Interlocked.Exchange(ref _lookups, null)?.TrySetResult();

    /// <summary>Every request sent, as "METHOD path".</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        Seen.Enqueue($"{request.Method} {path}");
        if (_lookups is { } held && request.Method == HttpMethod.Get && path.StartsWith("/api/v1/orders/byClientOid", StringComparison.Ordinal))
        {
            await held.Task.WaitAsync(cancellationToken);
        }

        if (FailPlacementsOf is { } part && request.Method == HttpMethod.Post && path == "/api/v1/orders" && request.Content is { } content
            && (await content.ReadAsStringAsync(cancellationToken)).Contains(part, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _failed);
            return new HttpResponseMessage(HttpStatusCode.InternalServerError)
            {
                Content = new StringContent("{\"code\":\"500000\",\"msg\":\"Internal Server Error (injected)\"}", Encoding.UTF8, "application/json"),
            };
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
