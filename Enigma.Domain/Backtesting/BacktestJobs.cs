using System.Collections.Concurrent;
using Enigma.Domain.Market;

namespace Enigma.Domain.Backtesting;

/// <summary>
/// A stretch of the data a backtest runs on: candles from <see cref="WarmFromMs"/> only warm the strategy up, trading
/// starts at <see cref="TradeFromMs"/>, and the last candle opens before <see cref="ToMs"/>. Named for the job keys
/// ("w1-train", "all").
/// </summary>
public sealed record BacktestPeriod(string Name, long WarmFromMs, long TradeFromMs, long ToMs);

/// <summary>
/// One unit of a parameter search: backtest one parameter set on one period. With <see cref="DailyReturns"/> the
/// outcome carries the equity's return for every UTC day (for the probability of backtest overfitting).
/// </summary>
public sealed record BacktestJob(BacktestPeriod Period, ParameterSet Set, bool DailyReturns)
{
    /// <summary>Unique within a study: the period and the parameters (what a checkpoint is keyed by).</summary>
    public string Key { get; } = Period.Name + "|" + Set.Key;
}

/// <summary>What a job found: its trades' count and per-trade Sharpe ratio (null below two trades), net PnL, and the daily returns when asked.</summary>
public sealed record JobOutcome(int Trades, double? Sharpe, decimal NetPnl, IReadOnlyList<double>? DailyReturns);

/// <summary>
/// Everything a node needs to run any job of one study: the candles, the contract, how parameter sets become
/// strategies, and the account and venue settings. Slices of the candles are cut once per period and the strategies'
/// shared tapes recorded once per slice, from any number of threads.
/// </summary>
public sealed class BacktestWorkbench
{
    private const long DayMs = 86_400_000;
    private readonly IReadOnlyList<Candle> _candles;
    private readonly Func<ParameterSet, StrategyRecipe> _recipes;
    private readonly ConcurrentDictionary<(long From, long To), Lazy<List<Candle>>> _slices = new();
    private readonly BacktestTapes _tapes = new();

    public BacktestWorkbench(IReadOnlyList<Candle> candles, ContractSpec contract, Timeframe timeframe, Func<ParameterSet, StrategyRecipe> recipes, BacktestSettings settings)
    {
        _candles = candles ?? throw new ArgumentNullException(nameof(candles));
        Contract = contract ?? throw new ArgumentNullException(nameof(contract));
        _recipes = recipes ?? throw new ArgumentNullException(nameof(recipes));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Timeframe = timeframe;
        if (candles.Count == 0)
        {
            throw new ArgumentException("a study needs candles.");
        }

        settings.Validate();
    }

    public ContractSpec Contract { get; }

    public Timeframe Timeframe { get; }

    public BacktestSettings Settings { get; }

    public long FromMs => _candles[0].OpenTimeMs;

    public long ToMs => _candles[^1].OpenTimeMs + Timeframe.Milliseconds;

    /// <summary>The whole data as one period (no warm-up beyond the strategy's own).</summary>
    public BacktestPeriod All => new("all", FromMs, FromMs, ToMs);

    /// <summary>The parameter set's strategy, checked (an <see cref="ArgumentException"/> names what is wrong).</summary>
    public StrategyRecipe Recipe(ParameterSet set) => _recipes(set);

    /// <summary>The full backtest of one set on one period.</summary>
    public BacktestResult Backtest(BacktestPeriod period, ParameterSet set)
    {
        ArgumentNullException.ThrowIfNull(period);
        var slice = Slice(period);
        return Backtester.Run(slice, Contract, Timeframe, _recipes(set).Create(Contract, slice, _tapes), Settings with { TradeFromMs = period.TradeFromMs });
    }

    public JobOutcome Run(BacktestJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var result = Backtest(job.Period, job.Set);
        var returns = WalkForwardRunner.Returns(result.Trades);
        return new JobOutcome(result.Trades.Count, Metrics.TradingMetrics.Sharpe(returns), result.Metrics.NetPnl, job.DailyReturns ? Daily(result) : null);
    }

    private List<Candle> Slice(BacktestPeriod period) =>
        _slices.GetOrAdd((period.WarmFromMs, period.ToMs), key => new Lazy<List<Candle>>(() => [.. _candles.Where(c => c.OpenTimeMs >= key.From && c.OpenTimeMs < key.To)])).Value;

    /// <summary>The equity's return over each UTC day (the last equity of a day against the one before).</summary>
    private List<double> Daily(BacktestResult result)
    {
        var returns = new List<double>();
        var previous = Settings.InitialBalance;
        var day = long.MinValue;
        var last = previous;
        foreach (var point in result.Equity)
        {
            var d = (point.TimeMs - 1) / DayMs;
            if (d != day && day != long.MinValue)
            {
                returns.Add(previous > 0 ? (double)((last - previous) / previous) : 0);
                previous = last;
            }

            day = d;
            last = point.Equity;
        }

        if (day != long.MinValue)
        {
            returns.Add(previous > 0 ? (double)((last - previous) / previous) : 0);
        }

        return returns;
    }
}

/// <summary>
/// Runs a batch of jobs and reports each outcome as it completes (from any thread, in any order). Local threads, or
/// the Optimizer agents of a cluster.
/// </summary>
public interface IBacktestJobExecutor
{
    Task RunAsync(IReadOnlyList<BacktestJob> jobs, Action<BacktestJob, JobOutcome> completed, CancellationToken cancellationToken);
}

/// <summary>This process's cores: each job on the thread pool, at most <paramref name="parallelism"/> at a time.</summary>
public sealed class LocalJobExecutor(BacktestWorkbench workbench, int parallelism) : IBacktestJobExecutor
{
    public Task RunAsync(IReadOnlyList<BacktestJob> jobs, Action<BacktestJob, JobOutcome> completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(completed);
        return Task.Run(() => Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
            job => completed(job, workbench.Run(job))), cancellationToken);
    }
}

/// <summary>
/// Outcomes kept across an interruption: a resumed search takes them instead of running their jobs again. Recording
/// may be called from many threads at once.
/// </summary>
public interface IJobCheckpoint
{
    bool TryGet(string key, out JobOutcome outcome);

    void Record(BacktestJob job, JobOutcome outcome);
}

/// <summary>A checkpoint that lives as long as the process (the default: nothing to resume from).</summary>
public sealed class InMemoryCheckpoint : IJobCheckpoint
{
    private readonly ConcurrentDictionary<string, JobOutcome> _outcomes = new(StringComparer.Ordinal);

    public int Count => _outcomes.Count;

    public bool TryGet(string key, out JobOutcome outcome) => _outcomes.TryGetValue(key, out outcome!);

    public void Record(BacktestJob job, JobOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(job);
        _outcomes[job.Key] = outcome;
    }
}
