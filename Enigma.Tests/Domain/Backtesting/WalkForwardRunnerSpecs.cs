using System.Globalization;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>Walk-forward validation of a small rsi-bollinger grid on 90 days of real ETH.</summary>
public sealed class WalkForwardRunnerSpecs
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly List<Candle> Candles = [.. CandleCsvReader.Load(TestFiles.Candles(Path.Combine("bybit-linear", "ETHUSDT-5m.csv.gz"))).EnsureUsable().Candles];

    private static readonly IReadOnlyList<ParameterSet> Grid = ParameterSet.Grid(new Dictionary<string, IReadOnlyList<string>>
    {
        ["ENTRY_RSI"] = ["25", "30"],
        ["EXIT_RSI"] = ["50", "60"],
    });

    private static IBacktestStrategy Strategy(ParameterSet set, ContractSpec contract) => new RsiBollingerStrategy(contract, new RsiBollingerParameters
    {
        EntryRsi = double.Parse(set.Values["ENTRY_RSI"], CultureInfo.InvariantCulture),
        ExitRsi = double.Parse(set.Values["EXIT_RSI"], CultureInfo.InvariantCulture),
    });

    [Fact]
    public void A_walk_forward_must_choose_on_training_judge_on_unseen_test_periods_and_not_depend_on_threads()
    {
        var parallel = WalkForwardRunner.Run(Candles, Eth, Timeframe.FiveMinutes, Grid, Strategy, new BacktestSettings(), new WalkForwardOptions { MinTestTrades = 5 });
        var sequential = WalkForwardRunner.Run(Candles, Eth, Timeframe.FiveMinutes, Grid, Strategy, new BacktestSettings(), new WalkForwardOptions { MinTestTrades = 5, Parallelism = 1 });

        Assert.Equal(4, Grid.Count);
        Assert.Equal(5, parallel.Windows.Count);
        Assert.Equal(parallel.Windows.Select(w => (w.Chosen?.Key, w.TrainScore, w.Test?.Metrics.NetPnl)), sequential.Windows.Select(w => (w.Chosen?.Key, w.TrainScore, w.Test?.Metrics.NetPnl)));
        Assert.All(parallel.Windows, w =>
        {
            Assert.NotNull(w.Test);
            Assert.All(w.Test.Trades, t => Assert.InRange(t.OpenedAtMs, w.Window.TestFromMs, w.Window.TestToMs));
            Assert.Equal(w.Window.TestFromMs, w.Test.FromMs);
        });
        Assert.Equal(parallel.Windows.Sum(w => w.Test!.Trades.Count), parallel.OutOfSampleTrades.Count);
        Assert.InRange(parallel.OutOfSampleMeanAboveZero.PValue, 0, 1);
        Assert.InRange(parallel.DeflatedSharpe, 0, 1);
        Assert.Equal(4, parallel.Trials);
    }

    [Fact]
    public void A_window_with_too_few_test_trades_must_be_reported_inconclusive_not_hidden()
    {
        var report = WalkForwardRunner.Run(Candles, Eth, Timeframe.FiveMinutes, Grid, Strategy, new BacktestSettings(), new WalkForwardOptions { MinTestTrades = 1_000 });

        Assert.Equal(5, report.Windows.Count);
        Assert.All(report.Windows, w =>
        {
            Assert.True(w.Inconclusive);
            Assert.Contains("fewer than 1000", w.Verdict, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_seed_grid_must_have_8640_parameter_sets()
    {
        var grid = ParameterSet.Grid(new Dictionary<string, IReadOnlyList<string>>
        {
            ["RSI_PERIOD"] = ["7", "14", "21"],
            ["RSI_OVERSOLD"] = ["20", "25", "30"],
            ["RSI_OVERBOUGHT"] = ["70", "75", "80"],
            ["SIGNAL_MIN_SCORE"] = ["40", "50", "60", "70"],
            ["STOP_LOSS_ROI"] = ["0.3", "0.5", "0.75", "1.0"],
            ["TAKE_PROFIT_ROI"] = ["1.0", "1.5", "2.0", "2.5", "3.0"],
            ["LEVERAGE_DEFAULT"] = ["25", "50", "75", "100"],
        });
        Assert.Equal(8_640, grid.Count);
        Assert.Equal(8_640, grid.Select(g => g.Key).Distinct().Count());
    }
}
