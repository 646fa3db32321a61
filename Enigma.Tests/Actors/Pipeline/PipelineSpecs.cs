using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using Enigma.Actors.Data;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Actors.Signal;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Pipeline;

/// <summary>
/// The whole pipeline in one process: a single-node cluster with the sharded agents and the DistributedPubSub bus, a
/// real SQLite journal, and the simulator (stepped clock) through the real KuCoin client.
/// </summary>
public sealed class PipelineSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private readonly TemporaryFolder _folder;
    private SimulatorHarness _sim = null!;

    public PipelineSpecs()
        : this(TestFiles.TemporaryFolder())
    {
    }

    private PipelineSpecs(TemporaryFolder folder)
        : base(EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db"))), "pipeline-specs")
    {
        _folder = folder;
    }

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        await cluster.JoinAsync(cluster.SelfAddress);
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();

        // The node writes its journal into the folder: it stops before the folder goes.
        await Sys.Terminate();
        _folder.Dispose();
    }

    private TestProbe Listen(IActorRef bus, string topic)
    {
        var probe = CreateTestProbe();
        bus.Tell(new Subscribe(topic, probe), probe);
        probe.ExpectMsg<SubscribeAck>();
        return probe;
    }

    [Fact]
    public async Task A_signal_passes_risk_and_becomes_a_filled_position_on_the_journal_and_the_exchange()
    {
        var client = _sim.Client();
        var agents = await EnigmaNode.StartAsync(Sys, new NodeServices(new KuCoinExchangeGateway(client), [Xbt], 10_000m)
        {
            Execution = new ExecutionSettings { PollInterval = TimeSpan.FromMilliseconds(50) },
        });
        var signals = Listen(agents.Bus, Topics.SignalGenerated);
        var approvals = Listen(agents.Bus, Topics.RiskApproved);
        var placedOrders = Listen(agents.Bus, Topics.OrderPlaced);
        var fills = Listen(agents.Bus, Topics.OrderFilled);
        var opened = Listen(agents.Bus, Topics.PositionOpened);
        var closed = Listen(agents.Bus, Topics.PositionClosed);

        // Nothing opens before the orchestrator says TRADING: the startup sequence ends with READY, then TRADING.
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup done"), TimeSpan.FromSeconds(5)));
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "go"), TimeSpan.FromSeconds(5)));

        // Warm-up from the exchange's own history, as the Data agent does at start.
        var now = _sim.Server.MarketTimeMs;
        var history = (await client.GetKlineHistoryAsync(Xbt.Symbol, 5, now - (2 * 86_400_000L), now))
            .Select(k => k.ToCandle(Xbt)).Where(c => c.OpenTimeMs + 300_000 <= now).ToArray();
        agents.SignalRegion.Tell(new ShardingEnvelope(Xbt.Symbol, new WarmUpSignal(Xbt.Symbol, history[..^1])));
        agents.RiskRegion.Tell(new ShardingEnvelope(Xbt.Symbol, new WarmUpSignal(Xbt.Symbol, history[..^1])));
        agents.SignalRegion.Tell(new ShardingEnvelope(Xbt.Symbol, new CandleClosed(Xbt.Symbol, history[^1])));
        agents.RiskRegion.Tell(new ShardingEnvelope(Xbt.Symbol, new CandleClosed(Xbt.Symbol, history[^1])));
        var generated = (await signals.ExpectMsgAsync<AgentEnvelope<SignalOutput>>(TimeSpan.FromSeconds(20))).Payload;
        Assert.Equal(history[^1].OpenTimeMs + 300_000, generated.Timestamp);

        // A long signal on the bus, as the Signal agent publishes one: Risk sizes it, Execution places it.
        var decisionTime = history[^1].OpenTimeMs + 300_000;
        agents.Bus.Tell(new Publish(Topics.SignalGenerated, AgentEnvelope.Event(Agents.Signal, Topics.SignalGenerated,
            generated with { Direction = SignalDirection.Long, Score = 90 }, decisionTime)));
        var approved = (await approvals.ExpectMsgAsync<AgentEnvelope<RiskApproved>>(TimeSpan.FromSeconds(20))).Payload;
        Assert.True(approved.Order.Lots > 0);

        // The entry is a limit at the last close: the replay moves until the exchange has filled it.
        await AwaitConditionAsync(async () => (await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).State.Orders.Count == 3, TimeSpan.FromSeconds(20));
        for (var step = 0; step < 288 && (await client.GetPositionAsync(Xbt.Symbol)).Lots == 0; step++)
        {
            _sim.Server.Step(TimeSpan.FromMinutes(1));
        }

        ExecutionStatus status = null!;
        await AwaitConditionAsync(async () => (status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).State.Position.Lots != 0, TimeSpan.FromSeconds(20));
        Assert.Equal(ExecutionPhase.Ready, status.Phase);
        Assert.Equal(approved.Order.Lots, status.State.Position.Lots);
        Assert.Equal(approved.Order.Lots, (await client.GetPositionAsync(Xbt.Symbol)).Lots);
        Assert.Equal(3, status.State.Orders.Count);

        // The bus carried the seed's topics: three orders placed, the entry's fills, the position opened.
        var placedPurposes = new[] { await placedOrders.ExpectMsgAsync<AgentEnvelope<OrderPlacedOnExchange>>(), await placedOrders.ExpectMsgAsync<AgentEnvelope<OrderPlacedOnExchange>>(), await placedOrders.ExpectMsgAsync<AgentEnvelope<OrderPlacedOnExchange>>() }.Select(e => e.Payload.Purpose);
        Assert.Equal([OrderPurpose.Entry, OrderPurpose.StopLoss, OrderPurpose.TakeProfit], placedPurposes);
        var fill = (await fills.ExpectMsgAsync<AgentEnvelope<OrderFillRecorded>>(TimeSpan.FromSeconds(10))).Payload;
        Assert.Equal((OrderPurpose.Entry, Xbt.Symbol), (fill.Purpose, fill.Symbol));
        var open = (await opened.ExpectMsgAsync<AgentEnvelope<PositionOpened>>(TimeSpan.FromSeconds(10))).Payload;
        Assert.Equal((Side.Long, Xbt.Symbol), (open.Side, open.Symbol));

        // A manual emergency stop: the orchestrator publishes it, every Execution entity cancels and closes.
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new TriggerEmergencyStop(EmergencyTrigger.Manual, "operator pressed the button"), TimeSpan.FromSeconds(5)));
        await AwaitConditionAsync(async () => (await client.GetPositionAsync(Xbt.Symbol)).Lots == 0, TimeSpan.FromSeconds(20));
        await AwaitConditionAsync(async () => (status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).State.Position.Lots == 0, TimeSpan.FromSeconds(20));
        Assert.Empty(await client.GetOpenOrdersAsync(Xbt.Symbol));
        Assert.Empty(await client.GetStopOrdersAsync(Xbt.Symbol));
        Assert.All(status.State.Orders.Values, o => Assert.True(o.IsFinal, $"{o.ClientOrderId} is {o.Status}"));
        var roundTrip = (await closed.ExpectMsgAsync<AgentEnvelope<PositionClosed>>(TimeSpan.FromSeconds(10))).Payload;
        Assert.Equal((Xbt.Symbol, OrderPurpose.EmergencyExit), (roundTrip.Symbol, roundTrip.ClosedBy));
        Assert.Equal(status.State.Cash, roundTrip.NetPnl); // the entity started with 0 cash: its only round trip is all of it

        // The round trip reached the portfolio: the symbol is free again, and nothing new opens in EMERGENCY_STOP.
        var view = await agents.Portfolio.Ask<PortfolioView>(GetPortfolioView.Instance, TimeSpan.FromSeconds(5));
        Assert.Empty(view.Positions);

        // The journal keeps the round trip: a portfolio started afresh (a restart) learns the losing streak from it.
        Assert.Equal(roundTrip.NetPnl, Assert.Single(status.State.RecentRoundTrips).NetPnl);
        var restartedPortfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m));
        await EnigmaNode.RecoverPositionsAsync(agents with { Portfolio = restartedPortfolio }, [Xbt], RiskParameters.Default, TimeSpan.FromSeconds(10), CancellationToken.None);
        var recovered = await restartedPortfolio.Ask<PortfolioView>(GetPortfolioView.Instance, TimeSpan.FromSeconds(5));
        Assert.True(roundTrip.NetPnl < 0, $"the emergency exit of this seeded replay loses (fees, the spread): {roundTrip.NetPnl}");
        Assert.Equal(1, recovered.ConsecutiveLosses);
    }

    [Fact]
    public async Task The_data_agent_warms_the_agents_up_and_turns_closed_candles_into_signals()
    {
        var client = _sim.Client();
        var agents = await EnigmaNode.StartAsync(Sys, new NodeServices(new KuCoinExchangeGateway(client), [Xbt], 10_000m));
        var signals = Listen(agents.Bus, Topics.SignalGenerated);
        await using var stream = new KuCoinWebSocketClient(client, isPrivate: false);
        await stream.StartAsync();
        var data = Sys.ActorOf(DataAgent.Props(new KuCoinMarketDataFeed(client, stream), [Xbt], agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(2)));

        var started = await data.Ask<DataStarted>(StartData.Instance, TimeSpan.FromSeconds(30));
        Assert.InRange(started.WarmUpCandles[Xbt.Symbol], 500, 577);

        var before = _sim.Server.MarketTimeMs;
        _sim.Server.Step(TimeSpan.FromMinutes(11));
        var first = (await signals.ExpectMsgAsync<AgentEnvelope<SignalOutput>>(TimeSpan.FromSeconds(20))).Payload;
        var second = (await signals.ExpectMsgAsync<AgentEnvelope<SignalOutput>>(TimeSpan.FromSeconds(20))).Payload;
        Assert.Equal(Xbt.Symbol, first.Symbol);
        Assert.Equal(first.Timestamp + 300_000, second.Timestamp);
        Assert.InRange(second.Timestamp, before, _sim.Server.MarketTimeMs);
        var latest = await agents.SignalRegion.Ask<LatestSignal>(new ShardingEnvelope(Xbt.Symbol, new GetLatestSignal(Xbt.Symbol)), TimeSpan.FromSeconds(5));
        Assert.Equal(started.WarmUpCandles[Xbt.Symbol] + 2, latest.CandlesSeen);
    }
}
