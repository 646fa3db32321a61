using System.Collections.Concurrent;
using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Backtesting;

/// <summary>One point of a parameter search: the strategy's parameters by name (RSI_PERIOD=14, ...).</summary>
public sealed record ParameterSet(IReadOnlyDictionary<string, string> Values)
{
    public string Key { get; } = string.Join(",", Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key + "=" + v.Value));

    public override string ToString() => Key;

    /// <summary>Every combination of the values given per key (the seed's PARAM_GRID is 8,640 of them).</summary>
    public static IReadOnlyList<ParameterSet> Grid(IReadOnlyDictionary<string, IReadOnlyList<string>> axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        IEnumerable<Dictionary<string, string>> sets = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var (key, values) in axes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (values.Count == 0)
            {
                throw new ArgumentException($"the grid gives {key} no value.");
            }

            sets = sets.SelectMany(s => values.Select(v => new Dictionary<string, string>(s, StringComparer.Ordinal) { [key] = v })).ToList();
        }

        return [.. sets.Select(s => new ParameterSet(s))];
    }
}

/// <summary>How a walk-forward validation runs.</summary>
public sealed record WalkForwardOptions
{
    public int Windows { get; init; } = 5;

    public double TrainFraction { get; init; } = 0.7;

    public bool Anchored { get; init; }

    /// <summary>A window whose test made fewer trades than this is reported inconclusive, not hidden (the seed: 50).</summary>
    public int MinTestTrades { get; init; } = 50;

    /// <summary>A parameter set with fewer training trades than this is not chosen (too little to judge it by).</summary>
    public int MinTrainTrades { get; init; } = 10;

    /// <summary>Candles before each training or test period that only warm the indicators up.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromDays(3);

    /// <summary>Parallel backtests; each has its own venue and strategy.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Blocks of days for the probability of backtest overfitting (even; 0: not computed).</summary>
    public int OverfittingBlocks { get; init; } = 10;
}

/// <summary>
/// What a parameter set must show before it is deployed; each gate is reported with its value, so a refusal says
/// which one failed. The defaults: out-of-sample returns above zero at p &lt; 0.05 (the seed), a deflated Sharpe ratio of
/// at least 0.95, a probability of backtest overfitting below 0.5, and every window conclusive.
/// </summary>
public sealed record DeploymentGates
{
    public double MaxPValue { get; init; } = 0.05;

    public double MinDeflatedSharpe { get; init; } = 0.95;

    public double MaxOverfitting { get; init; } = 0.5;

    public bool RequireConclusiveWindows { get; init; } = true;

    public IReadOnlyList<GateResult> Judge(WalkForwardReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inconclusive = report.Windows.Count(w => w.Inconclusive);
        return
        [
            new("significance", report.OutOfSampleMeanAboveZero.PValue < MaxPValue, string.Create(CultureInfo.InvariantCulture, $"p = {report.OutOfSampleMeanAboveZero.PValue:0.0000} ({report.OutOfSampleMeanAboveZero.Test}, {report.OutOfSampleTrades.Count} trades), needs < {MaxPValue}")),
            new("deflated Sharpe", report.DeflatedSharpe >= MinDeflatedSharpe, string.Create(CultureInfo.InvariantCulture, $"{report.DeflatedSharpe:0.0000} over {report.Trials} trials, needs ≥ {MinDeflatedSharpe}")),
            new("overfitting", report.ProbabilityOfOverfitting is { } pbo && pbo < MaxOverfitting, report.ProbabilityOfOverfitting is { } p
                ? string.Create(CultureInfo.InvariantCulture, $"PBO {p:0.000}, needs < {MaxOverfitting}")
                : "PBO not computed (fewer than two parameter sets, or too few days)"),
            new("conclusive windows", !RequireConclusiveWindows || inconclusive == 0, string.Create(CultureInfo.InvariantCulture, $"{inconclusive} of {report.Windows.Count} windows inconclusive{(RequireConclusiveWindows ? ", needs none" : " (not required)")}")),
        ];
    }
}

/// <summary>One deployment gate: passed or not, and the value it was judged on.</summary>
public sealed record GateResult(string Gate, bool Passed, string Detail);

/// <summary>A window: the parameter set chosen on its training period, and how that set did on its test period.</summary>
public sealed record WindowOutcome(WalkForwardWindow Window, ParameterSet? Chosen, double TrainScore, int TrainTrades, BacktestResult? Test, bool Inconclusive, string Verdict);

/// <summary>
/// A walk-forward validation: each window's choice and out-of-sample result, and the statistics over the out-of-sample
/// trades of all windows together (what a trader would have had, trading each window's choice in its test period).
/// </summary>
public sealed record WalkForwardReport(
    IReadOnlyList<WindowOutcome> Windows,
    int Trials,
    IReadOnlyList<BacktestTrade> OutOfSampleTrades,
    TestResult OutOfSampleMeanAboveZero,
    double DeflatedSharpe,
    double TrainingSharpeVariance,
    double? ProbabilityOfOverfitting);

/// <summary>
/// The seed's VALIDATE step. For each window, every parameter set is backtested on the training period and scored by
/// the t-statistic of its trade returns (per-trade Sharpe × √trades: an edge that held over more trades scores
/// higher). The best one is then backtested on the test period, which it has never seen. The out-of-sample trades of
/// all windows are then tested against zero (Student's t, one-sided), and their Sharpe ratio deflated by the number
/// of parameter sets tried (the variance of the training Sharpe ratios across them standing for the trials' spread).
/// Deterministic: the same candles, grid and settings give the same report, however many threads run it.
/// </summary>
public static class WalkForwardRunner
{
    public static WalkForwardReport Run(IReadOnlyList<Candle> candles, ContractSpec contract, Timeframe timeframe, IReadOnlyList<ParameterSet> grid,
        Func<ParameterSet, ContractSpec, IBacktestStrategy> strategy, BacktestSettings settings, WalkForwardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        var o = options ?? new WalkForwardOptions();
        if (candles.Count == 0 || grid.Count == 0)
        {
            throw new ArgumentException("a walk-forward needs candles and at least one parameter set.");
        }

        var windows = WalkForward.Windows(candles[0].OpenTimeMs, candles[^1].OpenTimeMs + timeframe.Milliseconds, o.Windows, o.TrainFraction, o.Anchored, timeframe.Milliseconds);
        var warmUp = (long)o.WarmUp.TotalMilliseconds;
        List<Candle> Slice(long from, long to) => [.. candles.Where(c => c.OpenTimeMs >= from - warmUp && c.OpenTimeMs < to)];

        var outcomes = new List<WindowOutcome>();
        var variances = new List<double>();
        foreach (var window in windows)
        {
            var train = Slice(window.TrainFromMs, window.TrainToMs);
            var trainSettings = settings with { TradeFromMs = window.TrainFromMs };
            var scores = new ConcurrentDictionary<int, (double Score, int Trades, double? Sharpe)>();
            Parallel.For(0, grid.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism) }, i =>
            {
                var result = Backtester.Run(train, contract, timeframe, strategy(grid[i], contract), trainSettings);
                var returns = Returns(result.Trades);
                var sharpe = Metrics.TradingMetrics.Sharpe(returns);
                var score = result.Trades.Count >= o.MinTrainTrades && sharpe is { } s ? s * Math.Sqrt(returns.Count) : double.NegativeInfinity;
                scores[i] = (score, result.Trades.Count, sharpe);
            });

            // The spread of the trials' Sharpe ratios, over the sets that traded enough to be chosen: a set with two
            // nearly equal trades has a meaningless, huge Sharpe ratio.
            var sharpes = scores.Values.Where(v => v.Sharpe is not null && v.Trades >= o.MinTrainTrades).Select(v => v.Sharpe!.Value).ToList();
            if (sharpes.Count > 1)
            {
                var mean = sharpes.Average();
                variances.Add(sharpes.Sum(v => (v - mean) * (v - mean)) / (sharpes.Count - 1));
            }

            // Ties go to the earlier parameter set in the grid, so the choice does not depend on thread timing.
            var best = Enumerable.Range(0, grid.Count).OrderByDescending(i => scores[i].Score).ThenBy(i => i).First();
            if (double.IsNegativeInfinity(scores[best].Score))
            {
                outcomes.Add(new WindowOutcome(window, null, double.NaN, 0, null, true, string.Create(CultureInfo.InvariantCulture, $"inconclusive: no parameter set made {o.MinTrainTrades} trades in training")));
                continue;
            }

            var test = Backtester.Run(Slice(window.TestFromMs, window.TestToMs), contract, timeframe, strategy(grid[best], contract), settings with { TradeFromMs = window.TestFromMs });
            var inconclusive = test.Trades.Count < o.MinTestTrades;
            var verdict = inconclusive
                ? string.Create(CultureInfo.InvariantCulture, $"inconclusive: {test.Trades.Count} test trades, fewer than {o.MinTestTrades}")
                : string.Create(CultureInfo.InvariantCulture, $"{test.Trades.Count} test trades, net {test.Metrics.NetPnl:0.00} USDT, profit factor {test.Metrics.ProfitFactor?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"}");
            outcomes.Add(new WindowOutcome(window, grid[best], scores[best].Score, scores[best].Trades, test, inconclusive, verdict));
        }

        var outOfSample = outcomes.Where(w => w.Test is not null).SelectMany(w => w.Test!.Trades).ToList();
        var oosReturns = Returns(outOfSample);
        var variance = variances.Count == 0 ? 0 : variances.Average();
        return new WalkForwardReport(outcomes, grid.Count, outOfSample, Significance.MeanAboveZero(oosReturns),
            Significance.DeflatedSharpe(oosReturns, grid.Count, variance), variance, Overfitting(candles, contract, timeframe, grid, strategy, settings, o));
    }

    /// <summary>
    /// The probability of backtest overfitting over the whole data: every parameter set's daily returns (its equity at
    /// each UTC day's end), cut into blocks of days, by combinatorially symmetric cross-validation.
    /// </summary>
    private static double? Overfitting(IReadOnlyList<Candle> candles, ContractSpec contract, Timeframe timeframe, IReadOnlyList<ParameterSet> grid,
        Func<ParameterSet, ContractSpec, IBacktestStrategy> strategy, BacktestSettings settings, WalkForwardOptions o)
    {
        if (o.OverfittingBlocks < 2 || grid.Count < 2)
        {
            return null;
        }

        const long Day = 86_400_000;
        var daily = new List<double>[grid.Count];
        Parallel.For(0, grid.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism) }, i =>
        {
            var result = Backtester.Run(candles, contract, timeframe, strategy(grid[i], contract), settings);
            var closes = result.Equity.GroupBy(e => (e.TimeMs - 1) / Day).OrderBy(g => g.Key).Select(g => g.Last().Equity).ToList();
            var returns = new List<double>(closes.Count);
            var previous = settings.InitialBalance;
            foreach (var close in closes)
            {
                returns.Add(previous > 0 ? (double)((close - previous) / previous) : 0);
                previous = close;
            }

            daily[i] = returns;
        });

        var days = daily.Min(d => d.Count);
        return days < o.OverfittingBlocks ? null : Significance.ProbabilityOfOverfitting([.. daily.Select(d => (IReadOnlyList<double>)d.GetRange(0, days))], o.OverfittingBlocks);
    }

    /// <summary>Each trade's net PnL over the equity it was taken from.</summary>
    public static List<double> Returns(IEnumerable<BacktestTrade> trades) =>
        [.. trades.Select(t => t.EquityBefore > 0 ? (double)(t.NetPnl / t.EquityBefore) : 0)];
}
