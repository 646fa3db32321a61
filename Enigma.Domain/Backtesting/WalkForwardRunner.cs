using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Backtesting;

/// <summary>One point of a parameter search: the strategy's parameters by name (RSI_PERIOD=14, ...).</summary>
public sealed record ParameterSet(IReadOnlyDictionary<string, string> Values)
{
    public string Key { get; } = string.Join(",", Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key + "=" + v.Value));

    public override string ToString() => Key;

    /// <summary>Every combination of the values given per key (the seed's PARAM_GRID is 8,640 of them).</summary>
    public static IReadOnlyList<ParameterSet> Grid(IReadOnlyDictionary<string, IReadOnlyList<string>> axes) => new ParameterSpace(axes).All();
}

/// <summary>How a parameter search explores its space.</summary>
public enum SearchKind
{
    /// <summary>Every combination.</summary>
    Grid,

    /// <summary>A seeded genetic search, for spaces too large to try whole.</summary>
    Genetic,
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

    /// <summary>Parallel backtests on this process (when no other executor is given); each has its own venue and strategy.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Blocks of days for the probability of backtest overfitting (even; 0: not computed).</summary>
    public int OverfittingBlocks { get; init; } = 10;

    public SearchKind Search { get; init; } = SearchKind.Grid;

    public GeneticOptions Genetic { get; init; } = new();

    /// <summary>The parameters live now (what a new set must beat out of sample); empty: the strategy's defaults.</summary>
    public ParameterSet Live { get; init; } = new(new Dictionary<string, string>());

    public void Validate()
    {
        if (MinTestTrades < 0 || MinTrainTrades < 1 || WarmUp < TimeSpan.Zero || OverfittingBlocks < 0 || OverfittingBlocks % 2 != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"walk-forward: minimum test trades ≥ 0 (got {MinTestTrades}), minimum training trades ≥ 1 (got {MinTrainTrades}), warm-up ≥ 0 (got {WarmUp}), overfitting blocks even and ≥ 0 (got {OverfittingBlocks})."));
        }

        Genetic.Validate();
    }
}

/// <summary>
/// What a parameter set must show before it is deployed; each gate is reported with its value, so a refusal says
/// which one failed. The defaults: out-of-sample returns above zero at p &lt; 0.05 (the seed), a deflated Sharpe ratio of
/// at least 0.95, a probability of backtest overfitting below 0.5, better than the live parameters out of sample at
/// p &lt; 0.05, and every window conclusive.
/// </summary>
public sealed record DeploymentGates
{
    public double MaxPValue { get; init; } = 0.05;

    public double MinDeflatedSharpe { get; init; } = 0.95;

    public double MaxOverfitting { get; init; } = 0.5;

    public bool RequireConclusiveWindows { get; init; } = true;

    /// <summary>The out-of-sample returns must beat the live parameters' on the same test periods at p below this (1: off).</summary>
    public double MaxPValueVsLive { get; init; } = 0.05;

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
                : "PBO not computed (fewer than two parameter sets that traded, or too few days)"),
            new("beats live", MaxPValueVsLive >= 1 || report.OutOfSampleMeanAboveLive.PValue < MaxPValueVsLive, MaxPValueVsLive >= 1
                ? "not required"
                : string.Create(CultureInfo.InvariantCulture, $"p = {report.OutOfSampleMeanAboveLive.PValue:0.0000} ({report.OutOfSampleMeanAboveLive.Test}: {report.OutOfSampleTrades.Count} trades against the live parameters' {report.LiveOutOfSampleTrades.Count} in the same test periods), needs < {MaxPValueVsLive}")),
            new("conclusive windows", !RequireConclusiveWindows || inconclusive == 0, string.Create(CultureInfo.InvariantCulture, $"{inconclusive} of {report.Windows.Count} windows inconclusive{(RequireConclusiveWindows ? ", needs none" : " (not required)")}")),
        ];
    }
}

/// <summary>One deployment gate: passed or not, and the value it was judged on.</summary>
public sealed record GateResult(string Gate, bool Passed, string Detail);

/// <summary>A window: the parameter set chosen on its training period, and how that set did on its test period.</summary>
public sealed record WindowOutcome(WalkForwardWindow Window, ParameterSet? Chosen, double TrainScore, int TrainTrades, int SetsTried, BacktestResult? Test, BacktestResult? LiveTest, bool Inconclusive, string Verdict);

/// <summary>One parameter set the search tried: its training score and trades per window (null where not tried) and, when computed, its result over the whole data.</summary>
public sealed record SetEvaluation(ParameterSet Set, IReadOnlyList<double?> TrainScores, IReadOnlyList<int?> TrainTrades, decimal? FullNetPnl, double? FullSharpe);

/// <summary>How far a search has come: a stage, the jobs done of its total (taken from a checkpoint included).</summary>
public readonly record struct SearchProgress(string Stage, int Done, int Total, int FromCheckpoint);

/// <summary>
/// A walk-forward validation: each window's choice and out-of-sample result, and the statistics over the out-of-sample
/// trades of all windows together (what a trader would have had, trading each window's choice in its test period).
/// </summary>
public sealed record WalkForwardReport(
    IReadOnlyList<WindowOutcome> Windows,
    int Trials,
    IReadOnlyList<BacktestTrade> OutOfSampleTrades,
    TestResult OutOfSampleMeanAboveZero,
    IReadOnlyList<BacktestTrade> LiveOutOfSampleTrades,
    TestResult OutOfSampleMeanAboveLive,
    double DeflatedSharpe,
    double TrainingSharpeVariance,
    double? ProbabilityOfOverfitting,
    IReadOnlyList<string> Axes,
    IReadOnlyList<SetEvaluation> Evaluations);

/// <summary>
/// The seed's VALIDATE step. For each window, parameter sets (every one of a grid, or those a genetic search visits)
/// are backtested on the training period and scored by the t-statistic of their trade returns (per-trade Sharpe ×
/// √trades: an edge that held over more trades scores higher). The best one is then backtested on the test period,
/// which it has never seen, and so are the live parameters. The out-of-sample trades of all windows are then tested
/// against zero (Student's t, one-sided) and against the live parameters' (Welch), and their Sharpe ratio deflated by
/// the number of parameter sets tried (the variance of the training Sharpe ratios across them standing for the
/// trials' spread). The probability of backtest overfitting comes from every tried set's daily returns over the whole
/// data. The backtests are jobs for an executor (this process's cores, or a cluster's), and a checkpoint keeps their
/// outcomes, so an interrupted search resumes where it stopped. Deterministic: the same candles, space and options give
/// the same report, however many threads or nodes run it, and whether or not it was resumed.
/// </summary>
public static class WalkForwardRunner
{
    private const string AllPeriod = "all";

    public static WalkForwardReport Run(BacktestWorkbench workbench, ParameterSpace space, WalkForwardOptions? options = null) =>
        RunAsync(workbench, space, options).GetAwaiter().GetResult();

    public static async Task<WalkForwardReport> RunAsync(BacktestWorkbench workbench, ParameterSpace space, WalkForwardOptions? options = null,
        IBacktestJobExecutor? executor = null, IJobCheckpoint? checkpoint = null, IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workbench);
        ArgumentNullException.ThrowIfNull(space);
        var o = options ?? new WalkForwardOptions();
        o.Validate();
        executor ??= new LocalJobExecutor(workbench, o.Parallelism);
        checkpoint ??= new InMemoryCheckpoint();
        var windows = WalkForward.Windows(workbench.FromMs, workbench.ToMs, o.Windows, o.TrainFraction, o.Anchored, workbench.Timeframe.Milliseconds);
        var warmUp = (long)o.WarmUp.TotalMilliseconds;
        var train = windows.Select(w => new BacktestPeriod(string.Create(CultureInfo.InvariantCulture, $"w{w.Number}-train"), w.TrainFromMs - warmUp, w.TrainFromMs, w.TrainToMs)).ToList();
        var test = windows.Select(w => new BacktestPeriod(string.Create(CultureInfo.InvariantCulture, $"w{w.Number}-test"), w.TestFromMs - warmUp, w.TestFromMs, w.TestToMs)).ToList();
        var all = workbench.All;
        var outcomes = new Dictionary<string, JobOutcome>(StringComparer.Ordinal);
        var tried = new Dictionary<string, ParameterSet>(StringComparer.Ordinal);

        // Every set is checked before any job runs: a bad value is named now, not by a failing worker.
        void Check(ParameterSet set)
        {
            if (!tried.ContainsKey(set.Key))
            {
                workbench.Recipe(set);
                tried[set.Key] = set;
            }
        }

        async Task Evaluate(string stage, List<BacktestJob> jobs)
        {
            var todo = new List<BacktestJob>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var job in jobs)
            {
                if (!seen.Add(job.Key) || outcomes.ContainsKey(job.Key))
                {
                    continue;
                }

                if (checkpoint.TryGet(job.Key, out var kept))
                {
                    outcomes[job.Key] = kept;
                }
                else
                {
                    todo.Add(job);
                }
            }

            var total = seen.Count;
            var fromCheckpoint = total - todo.Count;
            var done = fromCheckpoint;
            progress?.Report(new SearchProgress(stage, done, total, fromCheckpoint));
            var gate = new object();
            await executor.RunAsync(todo, (job, outcome) =>
            {
                checkpoint.Record(job, outcome);
                int now;
                lock (gate)
                {
                    outcomes[job.Key] = outcome;
                    now = ++done;
                }

                progress?.Report(new SearchProgress(stage, now, total, fromCheckpoint));
            }, cancellationToken).ConfigureAwait(false);
            var missing = todo.FirstOrDefault(j => !outcomes.ContainsKey(j.Key));
            if (missing is not null)
            {
                throw new InvalidOperationException($"the executor finished without the outcome of {missing.Key}.");
            }
        }

        double Score(JobOutcome outcome) =>
            outcome.Trades >= o.MinTrainTrades && outcome.Sharpe is { } sharpe ? sharpe * Math.Sqrt(outcome.Trades) : double.NegativeInfinity;

        // Each window's tried sets, in the order the search first tried them (ties go to the earlier one).
        var perWindow = windows.Select(_ => new List<ParameterSet>()).ToList();
        if (o.Search == SearchKind.Grid)
        {
            var sets = space.All();
            sets.ToList().ForEach(Check);
            for (var w = 0; w < windows.Count; w++)
            {
                perWindow[w].AddRange(sets);
            }

            // One batch: every training job, and every set's whole-data run for the overfitting estimate.
            var jobs = train.SelectMany(period => sets.Select(set => new BacktestJob(period, set, false))).ToList();
            if (o.OverfittingBlocks >= 2 && sets.Count >= 2)
            {
                jobs.AddRange(sets.Select(set => new BacktestJob(all, set, true)));
            }

            await Evaluate("grid", jobs).ConfigureAwait(false);
        }
        else
        {
            for (var w = 0; w < windows.Count; w++)
            {
                var random = new Random(unchecked((o.Genetic.Seed * 31) + windows[w].Number));
                var population = GeneticSearch.FirstGeneration(space, o.Genetic, random);
                var known = new HashSet<string>(StringComparer.Ordinal);
                for (var generation = 1; ; generation++)
                {
                    var sets = population.Select(space.At).ToList();
                    sets.ForEach(Check);
                    perWindow[w].AddRange(sets.Where(s => known.Add(s.Key)));
                    await Evaluate(string.Create(CultureInfo.InvariantCulture, $"window {windows[w].Number} generation {generation}/{o.Genetic.Generations}"),
                        [.. sets.Select(set => new BacktestJob(train[w], set, false))]).ConfigureAwait(false);
                    if (generation == o.Genetic.Generations)
                    {
                        break;
                    }

                    population = GeneticSearch.NextGeneration(space, [.. population.Zip(sets, (genes, set) => (genes, Score(outcomes[new BacktestJob(train[w], set, false).Key])))], o.Genetic, random);
                }
            }

            if (o.OverfittingBlocks >= 2 && tried.Count >= 2)
            {
                await Evaluate("whole data", [.. tried.Values.Select(set => new BacktestJob(all, set, true))]).ConfigureAwait(false);
            }
        }

        JobOutcome Outcome(BacktestPeriod period, ParameterSet set) => outcomes[new BacktestJob(period, set, period == all).Key];

        var results = new List<WindowOutcome>();
        var variances = new List<double>();
        Check(o.Live);
        for (var w = 0; w < windows.Count; w++)
        {
            var scored = perWindow[w].Select(set => (Set: set, Outcome: Outcome(train[w], set))).ToList();

            // The spread of the trials' Sharpe ratios, over the sets that traded enough to be chosen: a set with two
            // nearly equal trades has a meaningless, huge Sharpe ratio.
            var sharpes = scored.Where(s => s.Outcome.Sharpe is not null && s.Outcome.Trades >= o.MinTrainTrades).Select(s => s.Outcome.Sharpe!.Value).ToList();
            if (sharpes.Count > 1)
            {
                variances.Add(Significance.SampleMeanVariance(sharpes).Variance);
            }

            var best = Enumerable.Range(0, scored.Count).OrderByDescending(i => Score(scored[i].Outcome)).ThenBy(i => i).First();
            var bestScore = Score(scored[best].Outcome);
            var live = workbench.Backtest(test[w], o.Live);
            if (double.IsNegativeInfinity(bestScore))
            {
                results.Add(new WindowOutcome(windows[w], null, double.NaN, 0, scored.Count, null, live, true, string.Create(CultureInfo.InvariantCulture, $"inconclusive: no parameter set made {o.MinTrainTrades} trades in training")));
                continue;
            }

            var chosen = scored[best].Set;
            var outOfSample = workbench.Backtest(test[w], chosen);
            var inconclusive = outOfSample.Trades.Count < o.MinTestTrades;
            var verdict = inconclusive
                ? string.Create(CultureInfo.InvariantCulture, $"inconclusive: {outOfSample.Trades.Count} test trades, fewer than {o.MinTestTrades}")
                : string.Create(CultureInfo.InvariantCulture, $"{outOfSample.Trades.Count} test trades, net {outOfSample.Metrics.NetPnl:0.00} USDT, profit factor {outOfSample.Metrics.ProfitFactor?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"}");
            results.Add(new WindowOutcome(windows[w], chosen, bestScore, scored[best].Outcome.Trades, scored.Count, outOfSample, live, inconclusive, verdict));
        }

        var oos = results.Where(w => w.Test is not null).SelectMany(w => w.Test!.Trades).ToList();
        var liveOos = results.SelectMany(w => w.LiveTest?.Trades ?? []).ToList();
        var oosReturns = Returns(oos);
        var variance = variances.Count == 0 ? 0 : variances.Average();
        var searched = perWindow.SelectMany(p => p).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var trials = searched.Count;

        var daily = tried.Values.Where(s => searched.Contains(s.Key) && outcomes.ContainsKey(new BacktestJob(all, s, true).Key)).Select(s => Outcome(all, s).DailyReturns!).ToList();
        var days = daily.Count == 0 ? 0 : daily.Min(d => d.Count);
        // Sets that never traded all have flat equity: their ranking is meaningless, and so would the estimate be.
        double? pbo = daily.Count >= 2 && days >= o.OverfittingBlocks && o.OverfittingBlocks >= 2 && daily.Count(d => d.Any(r => r != 0)) >= 2
            ? Significance.ProbabilityOfOverfitting([.. daily.Select(d => (IReadOnlyList<double>)d.Take(days).ToList())], o.OverfittingBlocks)
            : null;

        var evaluations = tried.Values.Where(s => searched.Contains(s.Key)).Select(set =>
        {
            var scores = train.Select(period => outcomes.TryGetValue(new BacktestJob(period, set, false).Key, out var x) ? Score(x) : (double?)null).ToList();
            var counts = train.Select(period => outcomes.TryGetValue(new BacktestJob(period, set, false).Key, out var x) ? x.Trades : (int?)null).ToList();
            var whole = outcomes.TryGetValue(new BacktestJob(all, set, true).Key, out var f) ? f : null;
            return new SetEvaluation(set, scores, counts, whole?.NetPnl, whole?.Sharpe);
        }).ToList();

        return new WalkForwardReport(results, trials, oos, Significance.MeanAboveZero(oosReturns), liveOos, Significance.MeanAboveOther(oosReturns, Returns(liveOos)),
            Significance.DeflatedSharpe(oosReturns, trials, variance), variance, pbo, space.Keys, evaluations);
    }

    /// <summary>Each trade's net PnL over the equity it was taken from.</summary>
    public static List<double> Returns(IEnumerable<BacktestTrade> trades) =>
        [.. trades.Select(t => t.EquityBefore > 0 ? (double)(t.NetPnl / t.EquityBefore) : 0)];
}
