using System.Globalization;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Domain.Backtesting;

/// <summary>
/// A strategy with its parameters checked: makes a fresh strategy for each backtest. Given the candles it will see and
/// shared <see cref="BacktestTapes"/>, a strategy that can reads what does not depend on its own parameters from a tape
/// recorded once for all of them.
/// </summary>
public sealed class StrategyRecipe(string name, Func<ContractSpec, IReadOnlyList<Candle>?, BacktestTapes?, IBacktestStrategy> create)
{
    public string Name { get; } = name;

    public IBacktestStrategy Create(ContractSpec contract, IReadOnlyList<Candle>? candles = null, BacktestTapes? tapes = null) => create(contract, candles, tapes);
}

/// <summary>The strategies a backtest or a parameter search can run, by name, and the parameters each takes.</summary>
public static class StrategyCatalog
{
    public const string SignalScore = "signal-score";
    public const string RsiBollinger = "rsi-bollinger";

    public static readonly IReadOnlyList<string> Names = [SignalScore, RsiBollinger];

    /// <summary>signal-score's risk parameters (its signal parameters are <see cref="SignalParameters.Keys"/>).</summary>
    public static readonly IReadOnlyList<string> RiskKeys = ["STOP_LOSS_ROI", "TAKE_PROFIT_ROI", "STOP_LOSS_PRICE_PERCENT", "TAKE_PROFIT_PRICE_PERCENT", "LEVERAGE_DEFAULT", "MAX_CONSECUTIVE_LOSSES", "MAX_DAILY_DRAWDOWN_PERCENT"];

    /// <summary>
    /// The seed's PARAM_GRID (8,640 combinations). Its STOP_LOSS_ROI (0.3–1.0) and TAKE_PROFIT_ROI (1.0–3.0) cannot be
    /// ROI on margin, the unit of the seed's own formulas: at its smallest leverage (25x) the fee-adjusted break-even is
    /// 3.05% ROI, above every take-profit in the grid, so no combination could ever trade. They are read as percent of
    /// price, the move a trader sees on the chart (0.5% of price at 50x is 25% ROI), and searched under the names
    /// STOP_LOSS_PRICE_PERCENT and TAKE_PROFIT_PRICE_PERCENT, which the strategy turns into ROI at its leverage.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> SeedGrid = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["RSI_PERIOD"] = ["7", "14", "21"],
        ["RSI_OVERSOLD"] = ["20", "25", "30"],
        ["RSI_OVERBOUGHT"] = ["70", "75", "80"],
        ["SIGNAL_MIN_SCORE"] = ["40", "50", "60", "70"],
        ["STOP_LOSS_PRICE_PERCENT"] = ["0.3", "0.5", "0.75", "1.0"],
        ["TAKE_PROFIT_PRICE_PERCENT"] = ["1.0", "1.5", "2.0", "2.5", "3.0"],
        ["LEVERAGE_DEFAULT"] = ["25", "50", "75", "100"],
    };

    /// <summary>
    /// The seed's grid with leverages its own risk rules let trade. At 25x and above, the liquidation price of a
    /// position lies less than 5% of price beyond any of the grid's stops (the seed's liquidation buffer), so the gate
    /// refuses every entry and the literal grid makes no trade at all. The same 8,640 combinations with
    /// LEVERAGE_DEFAULT 3, 5, 10 and 15 (the largest that keeps the buffer) is what a search can learn from.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> SeedGridTradable = new SortedDictionary<string, IReadOnlyList<string>>(SeedGrid.ToDictionary(), StringComparer.Ordinal)
    {
        ["LEVERAGE_DEFAULT"] = ["3", "5", "10", "15"],
    };

    public static readonly IReadOnlyList<string> RsiBollingerKeys = ["RSI_PERIOD", "ENTRY_RSI", "EXIT_RSI", "BB_PERIOD", "BB_DEVIATIONS"];

    /// <summary>The parameters <paramref name="name"/> takes.</summary>
    public static IReadOnlyList<string> Keys(string name) => name switch
    {
        SignalScore => [.. SignalParameters.Keys.Concat(RiskKeys)],
        RsiBollinger => RsiBollingerKeys,
        _ => throw new ArgumentException($"'{name}' is not a strategy: {string.Join(" or ", Names)}."),
    };

    /// <summary>
    /// The strategy <paramref name="name"/> with <paramref name="parameters"/> (KEY → text) over its defaults, every
    /// value checked now (an <see cref="ArgumentException"/> names the key), not at the first candle.
    /// <paramref name="stake"/> is the USDT per entry of the strategies that stake a fixed amount.
    /// </summary>
    public static StrategyRecipe Recipe(string name, IReadOnlyDictionary<string, string> parameters, decimal stake)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        decimal Number(string key, decimal fallback) =>
            !parameters.TryGetValue(key, out var text) ? fallback
            : decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"{key}={text}: not a number.");
        switch (name)
        {
            case RsiBollinger:
                var unknown = parameters.Keys.Where(k => !RsiBollingerKeys.Contains(k)).ToList();
                if (unknown.Count > 0)
                {
                    throw new ArgumentException($"{string.Join(", ", unknown)}: rsi-bollinger takes {string.Join(", ", RsiBollingerKeys)}.");
                }

                var p = new RsiBollingerParameters
                {
                    RsiPeriod = (int)Number("RSI_PERIOD", 14),
                    EntryRsi = (double)Number("ENTRY_RSI", 30),
                    ExitRsi = (double)Number("EXIT_RSI", 50),
                    BollingerPeriod = (int)Number("BB_PERIOD", 20),
                    BollingerDeviations = (double)Number("BB_DEVIATIONS", 2),
                    Stake = stake > 0 ? stake : throw new ArgumentException($"the stake must be positive, got {stake}."),
                };
                _ = new RsiBollingerStrategy(KnownContracts.Find("XBTUSDTM")!, p); // checks the parameters now
                return new StrategyRecipe(name, (contract, _, _) => new RsiBollingerStrategy(contract, p));
            case SignalScore:
                var (signal, risk) = SignalScoreParameters(parameters);
                return new StrategyRecipe(name, (contract, candles, tapes) => candles is not null && tapes is not null
                    ? new SignalScoreStrategy(tapes.Signal(candles, contract, signal), signal.SignalMinScore, risk)
                    : new SignalScoreStrategy(contract, signal, risk));
            default:
                throw new ArgumentException($"'{name}' is not a strategy: {string.Join(" or ", Names)}.");
        }
    }

    /// <summary>
    /// signal-score's parameters from a set (KEY → text) over the given bases (the defaults, or a running node's own
    /// configuration), every value checked: what a backtest runs and what a deployed version gives the live agents.
    /// </summary>
    public static (SignalParameters Signal, RiskParameters Risk) SignalScoreParameters(IReadOnlyDictionary<string, string> parameters, SignalParameters? signalBase = null, RiskParameters? riskBase = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var signal = signalBase ?? SignalParameters.Default;
        foreach (var (key, value) in parameters.Where(g => !RiskKeys.Contains(g.Key)))
        {
            signal = signal.With(key, value);
        }

        signal.Validate();
        decimal Number(string key, decimal fallback) =>
            !parameters.TryGetValue(key, out var text) ? fallback
            : decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"{key}={text}: not a number.");
        return (signal, SignalScoreRisk(parameters, Number, riskBase ?? RiskParameters.Default));
    }

    private static RiskParameters SignalScoreRisk(IReadOnlyDictionary<string, string> parameters, Func<string, decimal, decimal> number, RiskParameters riskBase)
    {
        var leverage = number("LEVERAGE_DEFAULT", riskBase.DefaultLeverage);
        if (leverage is < 1 or > 125)
        {
            throw new ArgumentException($"LEVERAGE_DEFAULT={leverage}: must lie in [1, 125].");
        }

        decimal Roi(string roiKey, string priceKey, decimal fallback)
        {
            if (parameters.ContainsKey(roiKey) && parameters.ContainsKey(priceKey))
            {
                throw new ArgumentException($"{roiKey} and {priceKey} say the same thing in two units (ROI on margin, percent of price): give one.");
            }

            var roi = parameters.ContainsKey(priceKey) ? number(priceKey, 0) * leverage : number(roiKey, fallback);
            return roi > 0 ? roi : throw new ArgumentException($"{(parameters.ContainsKey(priceKey) ? priceKey : roiKey)} must be positive.");
        }

        var risk = riskBase with
        {
            StopLossRoi = Roi("STOP_LOSS_ROI", "STOP_LOSS_PRICE_PERCENT", riskBase.StopLossRoi),
            TakeProfitRoi = Roi("TAKE_PROFIT_ROI", "TAKE_PROFIT_PRICE_PERCENT", riskBase.TakeProfitRoi),
            DefaultLeverage = leverage,
            MaxConsecutiveLosses = (int)number("MAX_CONSECUTIVE_LOSSES", riskBase.MaxConsecutiveLosses),
            MaxDailyDrawdownPercent = number("MAX_DAILY_DRAWDOWN_PERCENT", riskBase.MaxDailyDrawdownPercent),
        };
        return risk.MaxConsecutiveLosses >= 1 && risk.MaxDailyDrawdownPercent > 0 ? risk
            : throw new ArgumentException("MAX_CONSECUTIVE_LOSSES must be at least 1 and MAX_DAILY_DRAWDOWN_PERCENT positive.");
    }
}
