using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Enigma.Actors.Optimization;
using Enigma.Cluster.Host.Backtest;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma optimize [--search grid|genetic] [--grid seed | --grid KEY=V1,V2 ...] [--windows 5 --train 0.7 --anchored]
/// [--min-trades 50] [--symbol ...] [--strategy ...] [--timerange ...] [--resume ID]</c>: walk-forward validation of a
/// parameter space on one symbol, with each window's choice, its out-of-sample result against the live parameters,
/// the significance of all out-of-sample trades together and the deployment gates, written under
/// <c>knowledge-bank/backtest-results/walk-forward/ID/</c>; a set that passes every gate is deployed to the knowledge
/// bank's model weights. Interrupted, it keeps what it finished and resumes with <c>--resume ID</c>.
/// </summary>
public static class OptimizeCommand
{
    public const string DefaultOutput = "knowledge-bank/backtest-results/walk-forward";
    public const string DefaultModelWeights = "knowledge-bank/model-weights";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Build()
    {
        var o = new StudyOptions();
        var command = new Command("optimize", "Walk-forward validation of a parameter grid or genetic search: chosen on each training period, judged on the unseen test period against the live parameters, with significance tests and deployment gates.");
        foreach (var option in o.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            var (study, code) = TryRequest(parseResult, o, terminal);
            if (study is null)
            {
                return code;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            IOptimizerChannel? channel = null;
            if (parseResult.GetValue(o.Cluster) is { } address)
            {
                Uri node;
                try
                {
                    node = Admin.AdminClient.ParseNode(address);
                }
                catch (ArgumentException e)
                {
                    return terminal.Fail(ExitCodes.Usage, e.Message.Replace("--node", "--cluster", StringComparison.Ordinal));
                }

                channel = new Admin.AdminOptimizerChannel(new Admin.AdminClient(http, node, parseResult.GetValue(o.Token) ?? Environment.GetEnvironmentVariable("ENIGMA_NODE_ADMIN_TOKEN")));
            }

            StudyOutcome outcome;
            try
            {
                outcome = await WalkForwardStudy.RunAsync(study, channel, terminal.ErrorLine, (search, ct) => Progress(terminal, search, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (StudyFailedException e)
            {
                return terminal.Fail(
                    e.Kind switch
                    {
                        StudyFailure.Usage => ExitCodes.Usage,
                        StudyFailure.OutputFailed => ExitCodes.OutputFailed,
                        StudyFailure.Interrupted => ExitCodes.Interrupted,
                        _ => ExitCodes.BadInput,
                    },
                    e.Message);
            }
            catch (Admin.AdminCallException e)
            {
                return terminal.Fail(e.ExitCode, $"{e.Message} (finished backtests are kept; finish with: enigma optimize --resume ID and the same options)");
            }
            catch (OptimizerUnavailableException e)
            {
                return terminal.Fail(Admin.AdminClient.NodeUnavailable, $"the cluster's optimizer did not answer: {e.Message} (finished backtests are kept; finish with: enigma optimize --resume ID and the same options)");
            }

            Print(terminal, outcome.Report, study.Options);
            foreach (var gate in outcome.Gates)
            {
                terminal.Line($"gate {gate.Gate}: {(gate.Passed ? "passed" : "FAILED")} — {gate.Detail}");
            }

            terminal.Line($"written: {outcome.RunFolder}");
            terminal.Line($"report: {Path.Combine(outcome.RunFolder, "report.html")}");
            terminal.Line(outcome.Summary);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The study that <paramref name="arguments"/> (as <c>enigma optimize</c> takes them) describe: the scheduled
    /// cycle's, from <c>enigma.optimizer.schedule-arguments</c>. Null when they are wrong (said through <paramref name="terminal"/>).
    /// </summary>
    internal static StudyRequest? ParseStudy(IReadOnlyList<string> arguments, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        var o = new StudyOptions();
        var command = new Command("optimize");
        foreach (var option in o.All)
        {
            command.Options.Add(option);
        }

        var parsed = command.Parse([.. arguments]);
        if (parsed.Errors.Count > 0)
        {
            terminal.Fail(ExitCodes.Usage, string.Join("; ", parsed.Errors.Select(e => e.Message)));
            return null;
        }

        return TryRequest(parsed, o, terminal).Study;
    }

    /// <summary>The command's options, made once per command (the scheduled cycle parses its arguments with its own).</summary>
    private sealed class StudyOptions
    {
        public Option<string?> Timerange { get; } = new Option<string?>("--timerange") { Description = "YYYYMMDD-YYYYMMDD (UTC, end exclusive; either side may be empty)." };

        public Option<string[]> Grid { get; } = new Option<string[]>("--grid", "-g") { Description = "KEY=V1,V2,... (repeatable): the values to try for a parameter. 'seed': the seed's PARAM_GRID (8,640 combinations, signal-score); 'seed-tradable': the same with leverages 3-15, the ones its risk rules let trade; KEY=... options change a preset's axes." };

        public Option<string?> Cluster { get; } = new Option<string?>("--cluster") { Description = "Run the backtests on a cluster's optimizer nodes through any node's admin address (HOST:PORT); each node reads the candles from the same --data path." };

        public Option<string?> Resume { get; } = new Option<string?>("--resume") { Description = "The ID of an interrupted run to finish (same options; its finished backtests are not run again)." };

        public Option<DirectoryInfo> Data { get; } = new Option<DirectoryInfo>("--data", "-d") { Description = "Folder of 5m candle files named like BTCUSDT-5m.csv.gz.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };

        public Option<string> Symbol { get; } = new Option<string>("--symbol", "-s") { Description = "The KuCoin symbol to optimise on.", DefaultValueFactory = _ => "ETHUSDTM" };

        public Option<string> Strategy { get; } = new Option<string>("--strategy") { Description = "signal-score (default) or rsi-bollinger.", DefaultValueFactory = _ => StrategyCatalog.SignalScore };

        public Option<string> Search { get; } = new Option<string>("--search") { Description = "grid (every combination) or genetic (a seeded genetic search, for larger spaces).", DefaultValueFactory = _ => "grid" };

        public Option<int> Windows { get; } = new Option<int>("--windows") { Description = "Walk-forward windows (the seed: 5).", DefaultValueFactory = _ => 5 };

        public Option<double> Train { get; } = new Option<double>("--train") { Description = "The training share of each window (the seed: 0.7).", DefaultValueFactory = _ => 0.7 };

        public Option<bool> Anchored { get; } = new Option<bool>("--anchored") { Description = "Every training period starts at the beginning of the data (rolling by default)." };

        public Option<int> MinTrades { get; } = new Option<int>("--min-trades") { Description = "Test trades below which a window is inconclusive (the seed: 50).", DefaultValueFactory = _ => 50 };

        public Option<decimal> Stake { get; } = new Option<decimal>("--stake") { Description = "USDT per entry (rsi-bollinger).", DefaultValueFactory = _ => 1_000m };

        public Option<decimal?> Fee { get; } = new Option<decimal?>("--fee") { Description = "Fee per side (default: the contract's)." };

        public Option<int> Population { get; } = new Option<int>("--population") { Description = "Genetic search: points per generation.", DefaultValueFactory = _ => new GeneticOptions().Population };

        public Option<int> Generations { get; } = new Option<int>("--generations") { Description = "Genetic search: generations per window.", DefaultValueFactory = _ => new GeneticOptions().Generations };

        public Option<int> Seed { get; } = new Option<int>("--seed") { Description = "Genetic search: the random seed (the same seed, the same search).", DefaultValueFactory = _ => new GeneticOptions().Seed };

        public Option<int> Parallelism { get; } = new Option<int>("--parallelism") { Description = "Backtests at once on this machine (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };

        public Option<string?> Token { get; } = new Option<string?>("--token") { Description = "The cluster's admin token, for --cluster (default: ENIGMA_NODE_ADMIN_TOKEN)." };

        public Option<DirectoryInfo> Output { get; } = new Option<DirectoryInfo>("--output", "-o") { Description = "Where walk-forward runs are written.", DefaultValueFactory = _ => new DirectoryInfo(DefaultOutput) };

        public Option<double> MaxP { get; } = new Option<double>("--max-p") { Description = "Deployment gate: the out-of-sample t-test's p must be below this.", DefaultValueFactory = _ => 0.05 };

        public Option<double> MaxPLive { get; } = new Option<double>("--max-p-live") { Description = "Deployment gate: beating the live parameters out of sample (Welch's t-test) at p below this (1: off).", DefaultValueFactory = _ => 0.05 };

        public Option<double> MinDsr { get; } = new Option<double>("--min-dsr") { Description = "Deployment gate: the deflated Sharpe ratio must be at least this.", DefaultValueFactory = _ => 0.95 };

        public Option<double> MaxPbo { get; } = new Option<double>("--max-pbo") { Description = "Deployment gate: the probability of backtest overfitting must be below this.", DefaultValueFactory = _ => 0.5 };

        public Option<bool> AllowInconclusive { get; } = new Option<bool>("--allow-inconclusive") { Description = "Deployment gate off: windows with too few test trades do not block." };

        public Option<DirectoryInfo> Weights { get; } = new Option<DirectoryInfo>("--model-weights") { Description = "Where the live parameters are read from and a set that passes every gate is written, versioned, with its evidence.", DefaultValueFactory = _ => new DirectoryInfo(DefaultModelWeights) };

        public IEnumerable<Option> All => [Timerange, Grid, Cluster, Resume, Data, Symbol, Strategy, Search, Windows, Train, Anchored, MinTrades, Stake, Fee, Population, Generations, Seed, Parallelism, Token, Output, MaxP, MaxPLive, MinDsr, MaxPbo, AllowInconclusive, Weights];
    }

    /// <summary>
    /// The study that <c>enigma optimize</c>'s options describe, candles loaded and every option checked; on a bad
    /// option, the exit code with the problem said on <paramref name="terminal"/>. The scheduled cycle parses its
    /// arguments with the same command and calls this too.
    /// </summary>
    private static (StudyRequest? Study, int Code) TryRequest(ParseResult parseResult, StudyOptions o, Terminal terminal)
    {
        var kind = parseResult.GetValue(o.Search) switch
        {
            "grid" => SearchKind.Grid,
            "genetic" => SearchKind.Genetic,
            _ => (SearchKind?)null,
        };
        if (kind is null)
        {
            return (null, terminal.Fail(ExitCodes.Usage, $"--search '{parseResult.GetValue(o.Search)}' must be grid or genetic."));
        }

        if (!CommandInput.TryParseSymbols([parseResult.GetValue(o.Symbol)!], out var contracts, out var unknown))
        {
            return (null, terminal.Fail(ExitCodes.Usage, unknown));
        }

        var range = parseResult.GetValue(o.Timerange) ?? "";
        if (!CommandInput.TryTimerange(range, out var fromMs, out var toMs, out var rangeError))
        {
            return (null, terminal.Fail(ExitCodes.Usage, rangeError));
        }

        var name = parseResult.GetValue(o.Strategy)!;
        if (!TryAxes(parseResult.GetValue(o.Grid) ?? [], name, out var axes, out var gridError))
        {
            return (null, terminal.Fail(ExitCodes.Usage, gridError));
        }

        var contract = contracts[0];
        var weightsRoot = parseResult.GetValue(o.Weights)!.FullName;
        BacktestSettings settings;
        WalkForwardOptions options;
        DeployedParameters? live;
        var stakeValue = parseResult.GetValue(o.Stake);
        try
        {
            _ = new ParameterSpace(axes);
            settings = new BacktestSettings { FeeRate = parseResult.GetValue(o.Fee) };
            settings.Validate();
            live = ModelWeights.Latest(weightsRoot, name, contract.Symbol);
            options = new WalkForwardOptions
            {
                Windows = parseResult.GetValue(o.Windows),
                TrainFraction = parseResult.GetValue(o.Train),
                Anchored = parseResult.GetValue(o.Anchored),
                MinTestTrades = parseResult.GetValue(o.MinTrades),
                Parallelism = Math.Max(1, parseResult.GetValue(o.Parallelism)),
                Search = kind.Value,
                Genetic = new GeneticOptions { Population = parseResult.GetValue(o.Population), Generations = parseResult.GetValue(o.Generations), Seed = parseResult.GetValue(o.Seed) },
                Live = live?.Parameters ?? new ParameterSet(new Dictionary<string, string>()),
            };
            options.Validate();
            StrategyCatalog.Recipe(name, options.Live.Values, stakeValue);
            _ = WalkForward.Windows(0, 90L * 86_400_000, options.Windows, options.TrainFraction, options.Anchored);
        }
        catch (ArgumentException e)
        {
            return (null, terminal.Fail(ExitCodes.Usage, e.Message));
        }
        catch (InvalidDataException e)
        {
            return (null, terminal.Fail(ExitCodes.BadInput, e.Message));
        }

        if (CommandInput.LoadCandles(terminal, parseResult.GetValue(o.Data)!, contract, fromMs, toMs, range) is not { } candles)
        {
            return (null, ExitCodes.BadInput);
        }

        return (new StudyRequest
        {
            Strategy = name,
            Contract = contract,
            Candles = candles,
            DataFolder = parseResult.GetValue(o.Data)!.FullName,
            Timerange = range,
            Search = kind.Value,
            Axes = axes,
            Options = options,
            Settings = settings,
            Stake = stakeValue,
            Live = live,
            OutputRoot = parseResult.GetValue(o.Output)!.FullName,
            ModelWeights = weightsRoot,
            ResumeId = parseResult.GetValue(o.Resume),
            Gates = new DeploymentGates
            {
                MaxPValue = parseResult.GetValue(o.MaxP),
                MaxPValueVsLive = parseResult.GetValue(o.MaxPLive),
                MinDeflatedSharpe = parseResult.GetValue(o.MinDsr),
                MaxOverfitting = parseResult.GetValue(o.MaxPbo),
                RequireConclusiveWindows = !parseResult.GetValue(o.AllowInconclusive),
            },
        }, ExitCodes.Success);
    }

    /// <summary>The search space from the --grid options: 'seed' for the seed's PARAM_GRID, then KEY=V1,V2 axes over it.</summary>
    internal static bool TryAxes(IEnumerable<string> texts, string strategy, out SortedDictionary<string, IReadOnlyList<string>> axes, out string error)
    {
        axes = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        error = "";
        foreach (var text in texts)
        {
            var preset = text.Trim().ToLowerInvariant() switch
            {
                "seed" => StrategyCatalog.SeedGrid,
                "seed-tradable" => StrategyCatalog.SeedGridTradable,
                _ => null,
            };
            if (preset is not null)
            {
                if (strategy != StrategyCatalog.SignalScore)
                {
                    error = $"--grid {text.Trim()} is the seed's PARAM_GRID for signal-score, not for {strategy}.";
                    return false;
                }

                foreach (var (key, values) in preset)
                {
                    axes[key] = values;
                }

                continue;
            }

            var split = text.IndexOf('=', StringComparison.Ordinal);
            var listed = split <= 0 ? [] : text[(split + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (listed.Length == 0)
            {
                error = $"--grid '{text}' is not KEY=V1,V2,... (or seed, seed-tradable).";
                return false;
            }

            axes[text[..split].Trim().ToUpperInvariant()] = listed;
        }

        return true;
    }

    /// <summary>
    /// Runs the search under a Spectre progress bar on standard error (plain lines when it is not a terminal); Ctrl+C
    /// cancels it, and what finished is in the checkpoint.
    /// </summary>
    private static Task<WalkForwardReport> Progress(Terminal terminal, Func<IProgress<SearchProgress>, CancellationToken, Task<WalkForwardReport>> run, CancellationToken cancellationToken) =>
        terminal.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("starting", maxValue: 1);
                var progress = new ProgressBar(bar);
                var report = await run(progress, cancellationToken).ConfigureAwait(false);
                progress.Finish();
                return report;
            });

    private sealed class ProgressBar(ProgressTask bar) : IProgress<SearchProgress>
    {
        private readonly object _gate = new();

        public void Report(SearchProgress value)
        {
            lock (_gate)
            {
                var description = value.FromCheckpoint > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{value.Stage}: {value.Done}/{value.Total} backtests ({value.FromCheckpoint} resumed)")
                    : string.Create(CultureInfo.InvariantCulture, $"{value.Stage}: {value.Done}/{value.Total} backtests");
                bar.Description = Markup.Escape(description);
                bar.MaxValue = Math.Max(1, value.Total);
                bar.Value = value.Done;
            }
        }

        /// <summary>Reports arrive from worker threads and may trail the last job; the bar ends full.</summary>
        public void Finish()
        {
            lock (_gate)
            {
                bar.Value = bar.MaxValue;
                bar.StopTask();
            }
        }
    }

    private static void Print(Terminal terminal, WalkForwardReport report, WalkForwardOptions options)
    {
        var table = new Table().AddColumns("window", "train", "test", "chosen", "train score", "test trades", "test net PnL", "live net PnL", "verdict");
        foreach (var w in report.Windows)
        {
            table.AddRow(w.Window.Number.ToString(CultureInfo.InvariantCulture), Day(w.Window.TrainFromMs) + " → " + Day(w.Window.TrainToMs), Day(w.Window.TestFromMs) + " → " + Day(w.Window.TestToMs),
                Markup.Escape(w.Chosen?.Key ?? "-"), double.IsFinite(w.TrainScore) ? w.TrainScore.ToString("0.00", CultureInfo.InvariantCulture) : "-",
                (w.Test?.Trades.Count ?? 0).ToString(CultureInfo.InvariantCulture), w.Test?.Metrics.NetPnl.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
                w.LiveTest?.Metrics.NetPnl.ToString("0.00", CultureInfo.InvariantCulture) ?? "-", Markup.Escape(w.Verdict));
        }

        terminal.Out.Write(table);
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"out of sample: {report.OutOfSampleTrades.Count} trades, net {report.OutOfSampleTrades.Sum(t => t.NetPnl):0.00} USDT; {report.OutOfSampleMeanAboveZero.Test}: t = {report.OutOfSampleMeanAboveZero.Statistic:0.00}, p = {report.OutOfSampleMeanAboveZero.PValue:0.0000}; deflated Sharpe ratio over {report.Trials} trial(s): {report.DeflatedSharpe:0.0000}"));
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"against the live parameters: {report.LiveOutOfSampleTrades.Count} trades, net {report.LiveOutOfSampleTrades.Sum(t => t.NetPnl):0.00} USDT in the same test periods; {report.OutOfSampleMeanAboveLive.Test}: p = {report.OutOfSampleMeanAboveLive.PValue:0.0000}"));
        terminal.Line(report.ProbabilityOfOverfitting is { } pbo
            ? string.Create(CultureInfo.InvariantCulture, $"probability of backtest overfitting (CSCV over {options.OverfittingBlocks} blocks of days): {pbo:0.000}")
            : "probability of backtest overfitting: not computed (fewer than two parameter sets that traded, or too few days)");
    }

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
}
