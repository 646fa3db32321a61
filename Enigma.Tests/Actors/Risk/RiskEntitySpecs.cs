using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Actors.Signal;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Risk;

public sealed class RiskEntitySpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly Candle[] BtcCandles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/BTCUSDT-5m.csv.gz")).Candles.Take(300).ToArray();
    private static readonly Candle[] EthCandles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).Candles.Take(300).ToArray();

    private static SignalOutput Signal(string symbol, SignalDirection direction, long timestamp) =>
        new(symbol, direction, direction == SignalDirection.Long ? 80 : -80, 0.8, [], [], Alignment.Full, timestamp);

    private IActorRef Risk(ContractSpec contract, Candle[] candles, IActorRef portfolio, IActorRef bus)
    {
        var risk = Sys.ActorOf(RiskEntity.Props(contract, portfolio, bus));
        risk.Tell(new WarmUpSignal(contract.Symbol, candles));
        return risk;
    }

    [Fact]
    public async Task A_long_signal_that_passes_every_rule_is_published_as_a_sized_approval()
    {
        var bus = CreateTestProbe();
        var portfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m));
        var risk = Risk(Xbt, BtcCandles, portfolio, bus);

        risk.Tell(Signal(Xbt.Symbol, SignalDirection.Long, BtcCandles[^1].OpenTimeMs + 300_000));

        var publish = await bus.ExpectMsgAsync<Publish>();
        Assert.Equal(Topics.RiskApproved, publish.Topic);
        var approved = Assert.IsType<AgentEnvelope<RiskApproved>>(publish.Message).Payload;
        Assert.Equal(Xbt.Symbol, approved.Order.Symbol);
        Assert.Equal(Side.Long, approved.Order.Side);
        Assert.True(approved.Order.Lots > 0);
        Assert.True(approved.Order.StopPrice < approved.Order.EntryPrice && approved.Order.EntryPrice < approved.Order.TakeProfitPrice);
        Assert.Equal(BtcCandles[^1].OpenTimeMs + 300_000, approved.DecisionTimeMs);

        var view = await portfolio.Ask<PortfolioView>(GetPortfolioView.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(Xbt.Symbol, Assert.Single(view.Positions).Symbol);
    }

    [Fact]
    public async Task A_signal_on_a_symbol_already_held_and_one_past_the_daily_drawdown_are_rejected_with_their_reasons()
    {
        var bus = CreateTestProbe();
        var portfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m));
        var xbt = Risk(Xbt, BtcCandles, portfolio, bus);
        var eth = Risk(Eth, EthCandles, portfolio, bus);

        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 1));
        Assert.Equal(Topics.RiskApproved, (await bus.ExpectMsgAsync<Publish>()).Topic);
        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Short, 2));
        var held = Assert.IsType<AgentEnvelope<RiskRejected>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload;
        Assert.Equal(RiskRule.PositionLimit, Assert.Single(held.Rejections).Rule);

        portfolio.Tell(new EquityUpdated(9_500m, 10_000m));
        eth.Tell(Signal(Eth.Symbol, SignalDirection.Short, 3));
        var publish = await bus.ExpectMsgAsync<Publish>();
        Assert.Equal(Topics.RiskRejected, publish.Topic);
        var rejected = Assert.IsType<AgentEnvelope<RiskRejected>>(publish.Message).Payload;
        Assert.Contains(rejected.Rejections, r => r.Rule == RiskRule.DailyDrawdown && r.Reason.Contains("5%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_portfolio_approves_nothing_unless_TRADING_frees_an_unfilled_entry_and_counts_a_losing_round_trip()
    {
        var bus = CreateTestProbe();
        var portfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m, initialState: SystemState.Initializing));
        var xbt = Risk(Xbt, BtcCandles, portfolio, bus);

        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 1));
        var halted = Assert.IsType<AgentEnvelope<RiskRejected>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload;
        Assert.Equal(RiskRule.TradingHalted, Assert.Single(halted.Rejections).Rule);
        Assert.Contains("INITIALIZING", Assert.Single(halted.Rejections).Reason, StringComparison.Ordinal);

        portfolio.Tell(new SystemStateChanged(SystemState.Ready, SystemState.Trading, "go", 0));
        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 2));
        Assert.Equal(Topics.RiskApproved, (await bus.ExpectMsgAsync<Publish>()).Topic);

        // The entry was cancelled without a fill: the symbol's budget is free again.
        portfolio.Tell(AgentEnvelope.Event(Agents.Execution, Topics.OrderFilled, new OrderFinished(Xbt.Symbol, "e", OrderPurpose.Entry, OrderStatus.Cancelled, 0, 10, 3), 3));
        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 4));
        Assert.Equal(Topics.RiskApproved, (await bus.ExpectMsgAsync<Publish>()).Topic);

        // This one filled and closed at a loss: the position leaves the view, equity and the losing streak follow.
        portfolio.Tell(AgentEnvelope.Event(Agents.Execution, Topics.PositionClosed, new PositionClosed(Xbt.Symbol, Side.Long, -42.5m, 5, 6, OrderPurpose.StopLoss), 6));
        var view = await portfolio.Ask<PortfolioView>(GetPortfolioView.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal((0, 9_957.5m, 1), (view.Positions.Count, view.Equity, view.ConsecutiveLosses));

        // An emergency stop halts new positions until the orchestrator says TRADING again.
        portfolio.Tell(AgentEnvelope.Event(Agents.Orchestrator, Topics.EmergencyStop, new EmergencyStopped(EmergencyTrigger.Manual, "button", SystemState.Trading), 7));
        xbt.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 8));
        Assert.Equal(RiskRule.TradingHalted, Assert.Single(Assert.IsType<AgentEnvelope<RiskRejected>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload.Rejections).Rule);
    }

    [Fact]
    public async Task A_neutral_signal_or_one_before_the_market_context_is_ready_asks_nothing()
    {
        var bus = CreateTestProbe();
        var portfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m));
        var cold = Sys.ActorOf(RiskEntity.Props(Xbt, portfolio, bus));
        cold.Tell(Signal(Xbt.Symbol, SignalDirection.Long, 1));
        var warm = Risk(Eth, EthCandles, portfolio, bus);
        warm.Tell(Signal(Eth.Symbol, SignalDirection.Neutral, 2));
        await bus.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }
}
