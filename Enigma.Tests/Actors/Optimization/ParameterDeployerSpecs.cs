using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Audit;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Optimization;
using Enigma.Actors.Risk;
using Enigma.Actors.Signal;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Domain.Metrics;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Optimization;

/// <summary>
/// The seed's DEPLOY and MONITOR steps on a running system: a version written to the knowledge bank trades from its
/// symbol's next safe point on (not while an entry is in flight), reaches the Signal entity and the bus, and the Audit
/// agent measures live trades against the backtest's evidence.
/// </summary>
public sealed class ParameterDeployerSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly Candle[] EthCandles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).Candles.Take(300).ToArray();
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();

    void IDisposable.Dispose()
    {
        _folder.Dispose();
        base.Dispose();
    }

    private static SignalOutput Long(long timestamp) => new(Eth.Symbol, SignalDirection.Long, 80, 0.8, [], [], Alignment.Full, timestamp);

    private string Deploy(IReadOnlyDictionary<string, string> parameters)
    {
        var evidence = _folder.File("evidence.json");
        File.WriteAllText(evidence, JsonSerializer.Serialize(new
        {
            outOfSample = new { trades = 60, netPnl = 600m },
            windows = new[] { new { test = new { trades = 60, winRate = 0.6 } } },
        }));
        return ModelWeights.Deploy(_folder.File("weights"), StrategyCatalog.SignalScore, Eth.Symbol, new ParameterSet(parameters), "spec-run", evidence);
    }

    [Fact]
    public async Task A_deployed_version_must_wait_for_the_symbols_safe_point_then_trade_and_be_announced()
    {
        var bus = CreateTestProbe();
        var signalRegion = CreateTestProbe();
        var portfolio = Sys.ActorOf(RiskPortfolioActor.Props(10_000m));
        var risk = Sys.ActorOf(RiskEntity.Props(Eth, portfolio, bus));
        risk.Tell(new WarmUpSignal(Eth.Symbol, EthCandles));

        // An entry in flight on ETHUSDTM, approved with the configured 10x.
        risk.Tell(Long(1));
        var before = Assert.IsType<AgentEnvelope<RiskApproved>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload.Order;
        Assert.Equal(10m, before.Leverage);

        Deploy(new Dictionary<string, string> { ["LEVERAGE_DEFAULT"] = "5", ["STOP_LOSS_PRICE_PERCENT"] = "1.0", ["TAKE_PROFIT_PRICE_PERCENT"] = "2.0", ["RSI_PERIOD"] = "7" });
        Sys.ActorOf(ParameterDeployer.Props(_folder.File("weights"), [Eth.Symbol], portfolio, signalRegion, bus, SignalParameters.Default, RiskParameters.Default, TimeSpan.FromMilliseconds(100), TimeProvider.System));

        // Not while the entry is in flight: nothing reaches the Signal entity or the bus.
        await signalRegion.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        await bus.ExpectNoMsgAsync(TimeSpan.Zero);

        // The position ends: that is the safe point.
        portfolio.Tell(new PositionEnded(Eth.Symbol, -5m));
        var envelope = await signalRegion.ExpectMsgAsync<ShardingEnvelope>();
        Assert.Equal(Eth.Symbol, envelope.EntityId);
        var apply = Assert.IsType<ApplySignalParameters>(envelope.Message);
        Assert.Equal((1, 7), (apply.Version, apply.Parameters.RsiPeriod));
        var announced = await bus.ExpectMsgAsync<Publish>();
        Assert.Equal(Topics.ParametersDeployed, announced.Topic);
        var deployed = Assert.IsType<AgentEnvelope<ParametersDeployed>>(announced.Message).Payload;
        Assert.Equal((1, "spec-run", 60, 0.6, 10m), (deployed.Version, deployed.Run, deployed.Expected.Trades, deployed.Expected.WinRate, deployed.Expected.NetPnlPerTrade));

        // The next entry is sized with the deployed risk parameters: 5x, the stop 1% of price away (5% ROI).
        risk.Tell(Long(2));
        var after = Assert.IsType<AgentEnvelope<RiskApproved>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload.Order;
        Assert.Equal(5m, after.Leverage);
        Assert.InRange((after.EntryPrice - after.StopPrice) / after.EntryPrice * 100, 0.95m, 1.05m);

        // A version that does not hold valid parameters is refused; the one trading stays.
        Deploy(new Dictionary<string, string> { ["RSI_PERIOD"] = "1" });
        await signalRegion.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_signal_entity_must_take_deployed_parameters_between_two_candles_warmed_on_the_candles_it_kept()
    {
        var bus = CreateTestProbe();
        var signal = Sys.ActorOf(SignalEntity.Props(Eth.Symbol, bus));
        signal.Tell(new WarmUpSignal(Eth.Symbol, EthCandles[..^1]));
        await ExpectMsgAsync<SignalWarmedUp>();
        signal.Tell(new ApplySignalParameters(Eth.Symbol, 1, SignalParameters.Default with { RsiPeriod = 7, SignalMinScore = 1 }));
        signal.Tell(new CandleClosed(Eth.Symbol, EthCandles[^1]));

        var published = Assert.IsType<AgentEnvelope<SignalOutput>>((await bus.ExpectMsgAsync<Publish>()).Message).Payload;

        // The same output as an engine with those parameters fed the same candles from the start.
        var engine = new SignalEngine(Eth.Symbol, parameters: SignalParameters.Default with { RsiPeriod = 7, SignalMinScore = 1 });
        foreach (var candle in EthCandles[..^1])
        {
            engine.Advance(candle);
        }

        var expected = engine.Update(EthCandles[^1]);
        Assert.Equal((expected.Score, expected.Direction), (published.Score, published.Direction));
        Assert.Equal(expected.Indicators.Single(i => i.Name == "rsi").Value, published.Indicators.Single(i => i.Name == "rsi").Value);
    }

    [Fact]
    public async Task The_audit_agent_must_measure_a_deployed_versions_live_trades_against_its_backtest()
    {
        var audit = Sys.ActorOf(AuditAgent.Props(new SilentProbe(), CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), 10_000m, RiskParameters.Default));
        audit.Tell(AgentEnvelope.Event(Agents.Optimizer, Topics.ParametersDeployed, new ParametersDeployed(Eth.Symbol, 3, "run", new BacktestExpectation(60, 0.6, 10m), 1_000), 1_000));
        void Close(int i, decimal pnl) => audit.Tell(AgentEnvelope.Event(Agents.Execution, Topics.PositionClosed,
            new PositionClosed(Eth.Symbol, Side.Long, pnl, 2_000 + (i * 10), 2_005 + (i * 10), Enigma.Domain.Execution.OrderPurpose.StopLoss), 3_000));

        // A trade opened before the deployment does not count.
        audit.Tell(AgentEnvelope.Event(Agents.Execution, Topics.PositionClosed, new PositionClosed(Eth.Symbol, Side.Long, 50m, 500, 1_500, Enigma.Domain.Execution.OrderPurpose.TakeProfit), 1_500));
        for (var i = 0; i < 10; i++)
        {
            Close(i, i < 2 ? 30m : -10m);
        }

        var measuring = Assert.Single((await audit.Ask<AuditReport>(GetAuditReport.Instance, TimeSpan.FromSeconds(5))).LiveAgainstBacktest);
        Assert.Equal((3, 10, 2), (measuring.Version, measuring.LiveTrades, measuring.LiveWins));
        Assert.Equal("measuring: 10 of 20 live trades", measuring.Verdict);

        for (var i = 10; i < 20; i++)
        {
            Close(i, -10m);
        }

        var judged = Assert.Single((await audit.Ask<AuditReport>(GetAuditReport.Instance, TimeSpan.FromSeconds(5))).LiveAgainstBacktest);
        Assert.Equal((20, 2, -120m), (judged.LiveTrades, judged.LiveWins, judged.LiveNetPnl));
        Assert.StartsWith("UNDERPERFORMS: live win rate 10.0% over 20 trades against the backtest's 60.0%", judged.Verdict, StringComparison.Ordinal);
    }

    /// <summary>An exchange that never answers: the invariants are not what these specs are about.</summary>
    private sealed class SilentProbe : IAuditProbe
    {
        public Task<AuditReading> ReadAsync(CancellationToken cancellationToken) => new TaskCompletionSource<AuditReading>().Task;
    }
}
