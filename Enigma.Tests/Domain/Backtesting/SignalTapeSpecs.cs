using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>
/// The tapes a parameter search records once and shares: the signal-score strategy must trade exactly as it does when
/// it runs the engine itself, and the risk inputs must ask the gate the same question live and on a tape.
/// </summary>
public sealed class SignalTapeSpecs
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly List<Candle> Candles = [.. CandleCsvReader.Load(TestFiles.Candles(Path.Combine("bybit-linear", "ETHUSDT-5m.csv.gz"))).EnsureUsable().Candles.Take(12_000)];

    [Theory]
    [InlineData(40, "10", "0.5", "1.5")]
    [InlineData(60, "5", "1.0", "3.0")]
    public void Signal_score_on_a_tape_must_make_the_same_trades_as_signal_score_running_its_engine(double minScore, string leverage, string stop, string target)
    {
        var parameters = new Dictionary<string, string>
        {
            ["SIGNAL_MIN_SCORE"] = minScore.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RSI_PERIOD"] = "7",
            ["LEVERAGE_DEFAULT"] = leverage,
            ["STOP_LOSS_PRICE_PERCENT"] = stop,
            ["TAKE_PROFIT_PRICE_PERCENT"] = target,
        };
        var recipe = StrategyCatalog.Recipe(StrategyCatalog.SignalScore, parameters, 1_000m);
        var settings = new BacktestSettings { TradeFromMs = Candles[2_000].OpenTimeMs };

        var live = Backtester.Run(Candles, Eth, Timeframe.FiveMinutes, recipe.Create(Eth), settings);
        var tapes = new BacktestTapes();
        var taped = Backtester.Run(Candles, Eth, Timeframe.FiveMinutes, recipe.Create(Eth, Candles, tapes), settings);

        Assert.True(live.Trades.Count >= 10, $"only {live.Trades.Count} trades: the comparison would prove little");
        Assert.Equal(live.Trades, taped.Trades, (a, b) => a.OpenedAtMs == b.OpenedAtMs && a.ClosedAtMs == b.ClosedAtMs && a.Lots == b.Lots && a.NetPnl == b.NetPnl
            && a.EntryReason == b.EntryReason && a.AgreeingIndicators.SequenceEqual(b.AgreeingIndicators));
        Assert.Equal(live.Metrics.NetPnl, taped.Metrics.NetPnl);
    }

    [Fact]
    public void One_signal_tape_must_serve_every_threshold_and_one_risk_tape_every_signal_parameter()
    {
        var tapes = new BacktestTapes();
        var fourty = tapes.Signal(Candles, Eth, SignalParameters.Default with { SignalMinScore = 40 });
        var seventy = tapes.Signal(Candles, Eth, SignalParameters.Default with { SignalMinScore = 70 });
        var otherRsi = tapes.Signal(Candles, Eth, SignalParameters.Default with { RsiPeriod = 21 });
        var otherSlice = tapes.Signal([.. Candles.Take(5_000)], Eth, SignalParameters.Default);

        Assert.Same(fourty, seventy);
        Assert.NotSame(fourty, otherRsi);
        Assert.Same(fourty.Risk, otherRsi.Risk);
        Assert.NotSame(fourty.Risk, otherSlice.Risk);
    }

    [Fact]
    public void Risk_inputs_must_ask_the_same_question_live_and_from_a_tape_long_after_the_first_200_returns()
    {
        var live = new RiskInputs(Eth);
        var tape = new RiskTape(Candles, Eth);
        for (var i = 0; i < 1_500; i++)
        {
            live.Update(Candles[i]);
            var now = live.Request(Side.Short);
            var recorded = tape.Request(i, Side.Short);
            if (now is null)
            {
                Assert.Null(recorded);
                continue;
            }

            Assert.NotNull(recorded);
            Assert.Equal(now.EntryPrice, recorded.EntryPrice);
            Assert.Equal(now.AtrPercent, recorded.AtrPercent);
            Assert.Equal(Math.Min(i, RiskInputs.ReturnsKept), now.Returns.Count);
            Assert.Equal(now.Returns, recorded.Returns);
        }
    }
}
