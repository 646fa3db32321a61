using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>Strategies by name, their parameters checked when named, and the seed grid's units.</summary>
public sealed class StrategyCatalogSpecs
{
    [Theory]
    [InlineData("momentum", "'momentum' is not a strategy")]
    [InlineData("rsi-bollinger", "LEVERAGE_DEFAULT: rsi-bollinger takes", "LEVERAGE_DEFAULT", "10")]
    [InlineData("signal-score", "STOP_LOSS_ROI and STOP_LOSS_PRICE_PERCENT say the same thing in two units", "STOP_LOSS_ROI", "5", "STOP_LOSS_PRICE_PERCENT", "0.5")]
    [InlineData("signal-score", "TAKE_PROFIT_PRICE_PERCENT must be positive", "TAKE_PROFIT_PRICE_PERCENT", "0")]
    [InlineData("signal-score", "LEVERAGE_DEFAULT=500: must lie in [1, 125]", "LEVERAGE_DEFAULT", "500")]
    [InlineData("signal-score", "Unknown signal parameter 'RSI_PERIODS'", "RSI_PERIODS", "14")]
    public void A_recipe_must_name_what_is_wrong_with_its_parameters(string strategy, string message, params string[] pairs)
    {
        var parameters = Enumerable.Range(0, pairs.Length / 2).ToDictionary(i => pairs[2 * i], i => pairs[(2 * i) + 1]);

        var error = Assert.ThrowsAny<ArgumentException>(() => StrategyCatalog.Recipe(strategy, parameters, 1_000m));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stops_and_targets_in_percent_of_price_must_become_roi_at_the_strategys_leverage()
    {
        var recipe = StrategyCatalog.Recipe(StrategyCatalog.SignalScore, new Dictionary<string, string>
        {
            ["LEVERAGE_DEFAULT"] = "10",
            ["STOP_LOSS_PRICE_PERCENT"] = "0.5",
            ["TAKE_PROFIT_PRICE_PERCENT"] = "1.5",
        }, 1_000m);
        var byRoi = StrategyCatalog.Recipe(StrategyCatalog.SignalScore, new Dictionary<string, string>
        {
            ["LEVERAGE_DEFAULT"] = "10",
            ["STOP_LOSS_ROI"] = "5",
            ["TAKE_PROFIT_ROI"] = "15",
        }, 1_000m);

        var eth = Enigma.Domain.Market.KnownContracts.Find("ETHUSDTM")!;
        Assert.IsType<SignalScoreStrategy>(recipe.Create(eth));
        Assert.Equal(Describe(byRoi), Describe(recipe));
        Assert.Equal(["LEVERAGE_DEFAULT"], StrategyCatalog.SeedGrid.Keys.Where(k => !StrategyCatalog.SeedGrid[k].SequenceEqual(StrategyCatalog.SeedGridTradable[k])));
    }

    /// <summary>A recipe's behaviour on real data, as the trades it makes.</summary>
    private static string Describe(StrategyRecipe recipe)
    {
        var eth = Enigma.Domain.Market.KnownContracts.Find("ETHUSDTM")!;
        var candles = Enigma.Domain.Market.CandleCsvReader.Load(Support.TestFiles.Candles(Path.Combine("bybit-linear", "ETHUSDT-5m.csv.gz"))).EnsureUsable().Candles.Take(6_000).ToList();
        var result = Backtester.Run(candles, eth, Enigma.Domain.Market.Timeframe.FiveMinutes, recipe.Create(eth), new BacktestSettings());
        return string.Join(";", result.Trades.Select(t => $"{t.OpenedAtMs}:{t.ExitPrice}:{t.NetPnl}"));
    }
}
