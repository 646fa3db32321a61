using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>Walk-forward validation on 90 days of real ETH: grid and genetic search, checkpoints, resumption.</summary>
public sealed class WalkForwardRunnerSpecs
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly List<Candle> Candles = [.. CandleCsvReader.Load(TestFiles.Candles(Path.Combine("bybit-linear", "ETHUSDT-5m.csv.gz"))).EnsureUsable().Candles];

    private static readonly ParameterSpace Space = new(new Dictionary<string, IReadOnlyList<string>>
    {
        ["ENTRY_RSI"] = ["25", "30"],
        ["EXIT_RSI"] = ["50", "60"],
    });

    private static BacktestWorkbench Workbench(string strategy = StrategyCatalog.RsiBollinger) =>
        new(Candles, Eth, Timeframe.FiveMinutes, set => StrategyCatalog.Recipe(strategy, set.Values, 1_000m), new BacktestSettings());

    private static object Fingerprint(WalkForwardReport r) => string.Join(";", r.Windows.Select(w => $"{w.Chosen?.Key}|{w.TrainScore}|{w.Test?.Metrics.NetPnl}|{w.LiveTest?.Metrics.NetPnl}"))
        + $"|{r.Trials}|{r.DeflatedSharpe}|{r.ProbabilityOfOverfitting}|{r.OutOfSampleMeanAboveLive.PValue}";

    [Fact]
    public void A_walk_forward_must_choose_on_training_judge_on_unseen_test_periods_and_not_depend_on_threads()
    {
        var parallel = WalkForwardRunner.Run(Workbench(), Space, new WalkForwardOptions { MinTestTrades = 5 });
        var sequential = WalkForwardRunner.Run(Workbench(), Space, new WalkForwardOptions { MinTestTrades = 5, Parallelism = 1 });

        Assert.Equal(4, Space.Size);
        Assert.Equal(5, parallel.Windows.Count);
        Assert.Equal(Fingerprint(parallel), Fingerprint(sequential));
        Assert.All(parallel.Windows, w =>
        {
            Assert.NotNull(w.Test);
            Assert.All(w.Test.Trades, t => Assert.InRange(t.OpenedAtMs, w.Window.TestFromMs, w.Window.TestToMs));
            Assert.Equal(w.Window.TestFromMs, w.Test.FromMs);
            Assert.NotNull(w.LiveTest);
            Assert.Equal(w.Window.TestFromMs, w.LiveTest.FromMs);
            Assert.Equal(4, w.SetsTried);
        });
        Assert.Equal(parallel.Windows.Sum(w => w.Test!.Trades.Count), parallel.OutOfSampleTrades.Count);
        Assert.Equal(parallel.Windows.Sum(w => w.LiveTest!.Trades.Count), parallel.LiveOutOfSampleTrades.Count);
        Assert.Contains("Welch", parallel.OutOfSampleMeanAboveLive.Test, StringComparison.Ordinal);
        Assert.InRange(parallel.OutOfSampleMeanAboveZero.PValue, 0, 1);
        Assert.InRange(parallel.DeflatedSharpe, 0, 1);
        Assert.Equal(4, parallel.Trials);
        Assert.Equal(4, parallel.Evaluations.Count);
        Assert.All(parallel.Evaluations, e => Assert.Equal(5, e.TrainScores.Count(s => s is not null)));
    }

    [Fact]
    public void A_window_with_too_few_test_trades_must_be_reported_inconclusive_not_hidden()
    {
        var report = WalkForwardRunner.Run(Workbench(), Space, new WalkForwardOptions { MinTestTrades = 1_000 });

        Assert.Equal(5, report.Windows.Count);
        Assert.All(report.Windows, w =>
        {
            Assert.True(w.Inconclusive);
            Assert.Contains("fewer than 1000", w.Verdict, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_interrupted_search_must_resume_from_its_checkpoint_and_end_as_if_never_interrupted()
    {
        var options = new WalkForwardOptions { MinTestTrades = 5, Parallelism = 1 };
        var whole = WalkForwardRunner.Run(Workbench(), Space, options);

        // Cancelled after the sixth finished backtest: what finished is in the checkpoint.
        var checkpoint = new InMemoryCheckpoint();
        using var cancel = new CancellationTokenSource();
        var counting = new CountingExecutor(new LocalJobExecutor(Workbench(), 1), afterJobs: 6, cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WalkForwardRunner.RunAsync(Workbench(), Space, options, counting, checkpoint, null, cancel.Token));
        var kept = checkpoint.Count;
        Assert.Equal(6, kept);

        var resumed = new CountingExecutor(new LocalJobExecutor(Workbench(), 1), afterJobs: int.MaxValue, null);
        var report = await WalkForwardRunner.RunAsync(Workbench(), Space, options, resumed, checkpoint);

        Assert.Equal(Fingerprint(whole), Fingerprint(report));
        Assert.Equal((5 * 4) + 4 - kept, resumed.Ran); // five windows' training and the whole-data runs of four sets, each once
        Assert.Equal(24, checkpoint.Count);
    }

    [Fact]
    public void A_genetic_search_must_be_reproducible_from_its_seed_and_stay_inside_its_space()
    {
        var space = new ParameterSpace(new Dictionary<string, IReadOnlyList<string>>
        {
            ["ENTRY_RSI"] = ["20", "25", "30", "35"],
            ["EXIT_RSI"] = ["45", "50", "55", "60", "65"],
            ["RSI_PERIOD"] = ["7", "14", "21"],
        });
        var options = new WalkForwardOptions { MinTestTrades = 5, Search = SearchKind.Genetic, Genetic = new GeneticOptions { Population = 8, Generations = 3, Seed = 7 }, Windows = 3 };

        var first = WalkForwardRunner.Run(Workbench(), space, options);
        var again = WalkForwardRunner.Run(Workbench(), space, options with { Parallelism = 1 });
        var otherSeed = WalkForwardRunner.Run(Workbench(), space, options with { Genetic = options.Genetic with { Seed = 8 } });

        Assert.Equal(Fingerprint(first), Fingerprint(again));
        Assert.NotEqual(first.Evaluations.Select(e => e.Set.Key).Order(StringComparer.Ordinal), otherSeed.Evaluations.Select(e => e.Set.Key).Order(StringComparer.Ordinal));
        Assert.InRange(first.Trials, 8, 3 * 8 * 3);
        Assert.True(first.Trials < space.Size, "a genetic search tries a part of the space");
        Assert.All(first.Windows, w => Assert.InRange(w.SetsTried, 8, 24));
        var allowed = space.All().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        Assert.All(first.Evaluations, e => Assert.Contains(e.Set.Key, allowed));
    }

    [Fact]
    public void A_bad_parameter_value_must_be_named_before_any_backtest_runs()
    {
        var space = new ParameterSpace(new Dictionary<string, IReadOnlyList<string>> { ["ENTRY_RSI"] = ["25", "thirty"] });
        var executor = new CountingExecutor(new LocalJobExecutor(Workbench(), 1), afterJobs: int.MaxValue, null);

        var error = Assert.Throws<ArgumentException>(() => WalkForwardRunner.RunAsync(Workbench(), space, new WalkForwardOptions(), executor).GetAwaiter().GetResult());

        Assert.Contains("ENTRY_RSI=thirty", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, executor.Ran);
    }

    [Fact]
    public void The_seed_grid_must_have_8640_parameter_sets_and_its_tradable_variant_the_same_number()
    {
        Assert.Equal(8_640, new ParameterSpace(StrategyCatalog.SeedGrid).Size);
        var grid = ParameterSet.Grid(StrategyCatalog.SeedGridTradable);
        Assert.Equal(8_640, grid.Count);
        Assert.Equal(8_640, grid.Select(g => g.Key).Distinct().Count());
        Assert.All(grid, set => StrategyCatalog.Recipe(StrategyCatalog.SignalScore, set.Values, 1_000m));
    }

    /// <summary>Runs jobs through another executor one at a time, counting them, and cancels after a number of them.</summary>
    private sealed class CountingExecutor(IBacktestJobExecutor inner, int afterJobs, CancellationTokenSource? cancel) : IBacktestJobExecutor
    {
        private int _ran;

        public int Ran => _ran;

        public async Task RunAsync(IReadOnlyList<BacktestJob> jobs, Action<BacktestJob, JobOutcome> completed, CancellationToken cancellationToken)
        {
            foreach (var job in jobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await inner.RunAsync([job], completed, cancellationToken);
                if (Interlocked.Increment(ref _ran) == afterJobs)
                {
                    await cancel!.CancelAsync();
                }
            }
        }
    }
}
