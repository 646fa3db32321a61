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
        var data = new Option<DirectoryInfo>("--data", "-d") { Description = "Folder of 5m candle files named like BTCUSDT-5m.csv.gz.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };
        var symbol = new Option<string>("--symbol", "-s") { Description = "The KuCoin symbol to optimise on.", DefaultValueFactory = _ => "ETHUSDTM" };
        var timerange = new Option<string?>("--timerange") { Description = "YYYYMMDD-YYYYMMDD (UTC, end exclusive; either side may be empty)." };
        var strategy = new Option<string>("--strategy") { Description = "signal-score (default) or rsi-bollinger.", DefaultValueFactory = _ => StrategyCatalog.SignalScore };
        var search = new Option<string>("--search") { Description = "grid (every combination) or genetic (a seeded genetic search, for larger spaces).", DefaultValueFactory = _ => "grid" };
        var grid = new Option<string[]>("--grid", "-g") { Description = "KEY=V1,V2,... (repeatable): the values to try for a parameter. 'seed': the seed's PARAM_GRID (8,640 combinations, signal-score); 'seed-tradable': the same with leverages 3-15, the ones its risk rules let trade; KEY=... options change a preset's axes." };
        var windows = new Option<int>("--windows") { Description = "Walk-forward windows (the seed: 5).", DefaultValueFactory = _ => 5 };
        var train = new Option<double>("--train") { Description = "The training share of each window (the seed: 0.7).", DefaultValueFactory = _ => 0.7 };
        var anchored = new Option<bool>("--anchored") { Description = "Every training period starts at the beginning of the data (rolling by default)." };
        var minTrades = new Option<int>("--min-trades") { Description = "Test trades below which a window is inconclusive (the seed: 50).", DefaultValueFactory = _ => 50 };
        var stake = new Option<decimal>("--stake") { Description = "USDT per entry (rsi-bollinger).", DefaultValueFactory = _ => 1_000m };
        var fee = new Option<decimal?>("--fee") { Description = "Fee per side (default: the contract's)." };
        var population = new Option<int>("--population") { Description = "Genetic search: points per generation.", DefaultValueFactory = _ => new GeneticOptions().Population };
        var generations = new Option<int>("--generations") { Description = "Genetic search: generations per window.", DefaultValueFactory = _ => new GeneticOptions().Generations };
        var seed = new Option<int>("--seed") { Description = "Genetic search: the random seed (the same seed, the same search).", DefaultValueFactory = _ => new GeneticOptions().Seed };
        var parallelism = new Option<int>("--parallelism") { Description = "Backtests at once on this machine (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cluster = new Option<string?>("--cluster") { Description = "Run the backtests on a cluster's optimizer nodes through any node's admin address (HOST:PORT); each node reads the candles from the same --data path." };
        var token = new Option<string?>("--token") { Description = "The cluster's admin token, for --cluster (default: ENIGMA_NODE_ADMIN_TOKEN)." };
        var resume = new Option<string?>("--resume") { Description = "The ID of an interrupted run to finish (same options; its finished backtests are not run again)." };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Where walk-forward runs are written.", DefaultValueFactory = _ => new DirectoryInfo(DefaultOutput) };
        var maxP = new Option<double>("--max-p") { Description = "Deployment gate: the out-of-sample t-test's p must be below this.", DefaultValueFactory = _ => 0.05 };
        var maxPLive = new Option<double>("--max-p-live") { Description = "Deployment gate: beating the live parameters out of sample (Welch's t-test) at p below this (1: off).", DefaultValueFactory = _ => 0.05 };
        var minDsr = new Option<double>("--min-dsr") { Description = "Deployment gate: the deflated Sharpe ratio must be at least this.", DefaultValueFactory = _ => 0.95 };
        var maxPbo = new Option<double>("--max-pbo") { Description = "Deployment gate: the probability of backtest overfitting must be below this.", DefaultValueFactory = _ => 0.5 };
        var allowInconclusive = new Option<bool>("--allow-inconclusive") { Description = "Deployment gate off: windows with too few test trades do not block." };
        var weights = new Option<DirectoryInfo>("--model-weights") { Description = "Where the live parameters are read from and a set that passes every gate is written, versioned, with its evidence.", DefaultValueFactory = _ => new DirectoryInfo(DefaultModelWeights) };
        var command = new Command("optimize", "Walk-forward validation of a parameter grid or genetic search: chosen on each training period, judged on the unseen test period against the live parameters, with significance tests and deployment gates.")
        {
            data, symbol, timerange, strategy, search, grid, windows, train, anchored, minTrades, stake, fee, population, generations, seed, parallelism, cluster, token, resume, output, maxP, maxPLive, minDsr, maxPbo, allowInconclusive, weights,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            var kind = parseResult.GetValue(search) switch
            {
                "grid" => SearchKind.Grid,
                "genetic" => SearchKind.Genetic,
                _ => (SearchKind?)null,
            };
            if (kind is null)
            {
                return terminal.Fail(ExitCodes.Usage, $"--search '{parseResult.GetValue(search)}' must be grid or genetic.");
            }

            if (!PaperCommand.TryParseSymbols([parseResult.GetValue(symbol)!], out var contracts, out var unknown))
            {
                return terminal.Fail(ExitCodes.Usage, unknown);
            }

            var range = parseResult.GetValue(timerange) ?? "";
            if (!BacktestCommand.TryTimerange(range, out var fromMs, out var toMs, out var rangeError))
            {
                return terminal.Fail(ExitCodes.Usage, rangeError);
            }

            var name = parseResult.GetValue(strategy)!;
            if (!TryAxes(parseResult.GetValue(grid) ?? [], name, out var axes, out var gridError))
            {
                return terminal.Fail(ExitCodes.Usage, gridError);
            }

            var contract = contracts[0];
            var weightsRoot = parseResult.GetValue(weights)!.FullName;
            ParameterSpace space;
            BacktestSettings settings;
            WalkForwardOptions options;
            DeployedParameters? live;
            var stakeValue = parseResult.GetValue(stake);
            try
            {
                space = new ParameterSpace(axes);
                settings = new BacktestSettings { FeeRate = parseResult.GetValue(fee) };
                settings.Validate();
                live = ModelWeights.Latest(weightsRoot, name, contract.Symbol);
                options = new WalkForwardOptions
                {
                    Windows = parseResult.GetValue(windows),
                    TrainFraction = parseResult.GetValue(train),
                    Anchored = parseResult.GetValue(anchored),
                    MinTestTrades = parseResult.GetValue(minTrades),
                    Parallelism = Math.Max(1, parseResult.GetValue(parallelism)),
                    Search = kind.Value,
                    Genetic = new GeneticOptions { Population = parseResult.GetValue(population), Generations = parseResult.GetValue(generations), Seed = parseResult.GetValue(seed) },
                    Live = live?.Parameters ?? new ParameterSet(new Dictionary<string, string>()),
                };
                options.Validate();
                StrategyCatalog.Recipe(name, options.Live.Values, stakeValue);
                _ = WalkForward.Windows(0, 90L * 86_400_000, options.Windows, options.TrainFraction, options.Anchored);
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, e.Message);
            }
            catch (InvalidDataException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            if (BacktestCommand.LoadCandles(terminal, parseResult.GetValue(data)!, contract, fromMs, toMs, range) is not { } candles)
            {
                return ExitCodes.BadInput;
            }

            var workbench = new BacktestWorkbench(candles, contract, Timeframe.FiveMinutes, set => StrategyCatalog.Recipe(name, set.Values, stakeValue), settings);
            var liveText = live is null ? "the strategy's defaults (nothing deployed yet)" : $"v{live.Version} ({live.Parameters.Key})";

            // What makes two runs the same study: a resumed run must be asked with the same options.
            var study = JsonSerializer.SerializeToNode(new
            {
                strategy = name,
                symbol = contract.Symbol,
                timerange = range.Length == 0 ? "all" : range,
                firstCandle = candles[0].OpenTimeMs,
                lastCandle = candles[^1].OpenTimeMs,
                search = kind.Value.ToString(),
                grid = axes,
                genetic = kind == SearchKind.Genetic ? options.Genetic : null,
                windows = options.Windows,
                trainFraction = options.TrainFraction,
                anchored = options.Anchored,
                minTestTrades = options.MinTestTrades,
                stake = stakeValue,
                settings,
                live = options.Live.Key,
            }, Json)!.AsObject();

            var outputRoot = parseResult.GetValue(output)!.FullName;
            var id = parseResult.GetValue(resume) ?? string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{name}-{contract.Symbol}");
            var runFolder = Path.Combine(outputRoot, id);
            var studyFile = Path.Combine(runFolder, "study.json");
            try
            {
                if (parseResult.GetValue(resume) is not null)
                {
                    if (!File.Exists(studyFile))
                    {
                        return terminal.Fail(ExitCodes.Usage, $"--resume {id}: no interrupted run {runFolder} (its study.json is missing).");
                    }

                    if (Difference(JsonNode.Parse(File.ReadAllText(studyFile))!.AsObject(), study) is { } difference)
                    {
                        return terminal.Fail(ExitCodes.Usage, $"--resume {id}: that run was started with other options ({difference}); give the same options.");
                    }
                }
                else
                {
                    Directory.CreateDirectory(runFolder);
                    File.WriteAllText(studyFile, study.ToJsonString(Json));
                }
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not prepare {runFolder}: {e.Message}");
            }

            ClusterJobExecutor? remote = null;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            if (parseResult.GetValue(cluster) is { } address)
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

                var remoteStudy = new OptimizationStudy(id, parseResult.GetValue(data)!.FullName, contract.Symbol, candles[0].OpenTimeMs, candles[^1].OpenTimeMs + Timeframe.FiveMinutes.Milliseconds, name, stakeValue, settings.FeeRate, settings.InitialBalance);
                remote = new ClusterJobExecutor(new Admin.AdminClient(http, node, parseResult.GetValue(token) ?? Environment.GetEnvironmentVariable("ENIGMA_NODE_ADMIN_TOKEN")), remoteStudy, TimeSpan.FromMilliseconds(200));
            }

            JobCheckpointFile checkpoint;
            try
            {
                checkpoint = JobCheckpointFile.Open(Path.Combine(runFolder, "checkpoint.jsonl"));
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            WalkForwardReport report;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using (checkpoint)
            {
                foreach (var warning in checkpoint.Warnings)
                {
                    terminal.Warn(warning);
                }

                terminal.ErrorLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {id}: {name} on {contract.Symbol}, {candles.Count} candles, {kind.Value.ToString().ToLowerInvariant()} search over {space.Size} combination(s) × {options.Windows} windows; live parameters: {liveText}{(checkpoint.Count > 0 ? $"; resuming with {checkpoint.Count} backtests already done" : "")}"));
                try
                {
                    report = await Progress(terminal, (progress, ct) => WalkForwardRunner.RunAsync(workbench, space, options, remote, checkpoint, progress, ct), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return terminal.Fail(ExitCodes.Interrupted, $"interrupted: {checkpoint.Count} backtests kept in {checkpoint.Path}; finish with: enigma optimize --resume {id} (and the same options)");
                }
                catch (ArgumentException e)
                {
                    return terminal.Fail(ExitCodes.BadInput, e.Message);
                }
                catch (Admin.AdminCallException e)
                {
                    return terminal.Fail(e.ExitCode, $"{e.Message} ({checkpoint.Count} backtests kept; finish with: enigma optimize --resume {id} and the same options)");
                }
            }

            if (remote is not null)
            {
                terminal.ErrorLine("backtests per node: " + string.Join(", ", remote.ByNode.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Key} {n.Value}")))
                    + (remote.Resubmitted > 0 ? string.Create(CultureInfo.InvariantCulture, $" (the coordinator moved {remote.Resubmitted} time(s); what it held was submitted again)") : ""));
            }

            terminal.ErrorLine(string.Create(CultureInfo.InvariantCulture, $"{report.Trials} parameter set(s) × {options.Windows} windows on {candles.Count} candles in {watch.Elapsed.TotalSeconds:0.0} s"));
            Print(terminal, report, options);
            var gates = new DeploymentGates
            {
                MaxPValue = parseResult.GetValue(maxP),
                MaxPValueVsLive = parseResult.GetValue(maxPLive),
                MinDeflatedSharpe = parseResult.GetValue(minDsr),
                MaxOverfitting = parseResult.GetValue(maxPbo),
                RequireConclusiveWindows = !parseResult.GetValue(allowInconclusive),
            }.Judge(report);
            foreach (var gate in gates)
            {
                terminal.Line($"gate {gate.Gate}: {(gate.Passed ? "passed" : "FAILED")} — {gate.Detail}");
            }

            try
            {
                var summary = new
                {
                    id,
                    strategy = name,
                    symbol = contract.Symbol,
                    timerange = range.Length == 0 ? "all" : range,
                    search = kind.Value.ToString(),
                    grid = axes,
                    genetic = kind == SearchKind.Genetic ? options.Genetic : null,
                    options = new { options.Windows, options.TrainFraction, options.Anchored, options.MinTestTrades, options.MinTrainTrades, warmUpDays = options.WarmUp.TotalDays },
                    settings,
                    live = new { version = live?.Version, parameters = options.Live.Values },
                    elapsedSeconds = watch.Elapsed.TotalSeconds,
                    trials = report.Trials,
                    windows = report.Windows.Select(w => new { w.Window, chosen = w.Chosen?.Values, w.TrainScore, w.TrainTrades, w.SetsTried, w.Inconclusive, w.Verdict, test = w.Test?.Metrics, live = w.LiveTest?.Metrics }),
                    outOfSample = new
                    {
                        trades = report.OutOfSampleTrades.Count,
                        netPnl = report.OutOfSampleTrades.Sum(t => t.NetPnl),
                        meanAboveZero = report.OutOfSampleMeanAboveZero,
                        liveTrades = report.LiveOutOfSampleTrades.Count,
                        liveNetPnl = report.LiveOutOfSampleTrades.Sum(t => t.NetPnl),
                        meanAboveLive = report.OutOfSampleMeanAboveLive,
                        report.DeflatedSharpe,
                        report.TrainingSharpeVariance,
                        report.ProbabilityOfOverfitting,
                    },
                    gates,
                };
                File.WriteAllText(Path.Combine(runFolder, "summary.json"), JsonSerializer.Serialize(summary, Json));
                File.WriteAllText(Path.Combine(runFolder, "out-of-sample-trades.csv"), BacktestReport.TradesCsv(report.OutOfSampleTrades));
                File.WriteAllText(Path.Combine(runFolder, "parameter-sets.csv"), SetsCsv(report));
                File.WriteAllText(Path.Combine(runFolder, "report.html"), WalkForwardHtml.Render(
                    new WalkForwardRunInfo(id, name, contract.Symbol, range.Length == 0 ? "all" : range, kind.Value.ToString().ToLowerInvariant(), liveText, watch.Elapsed, DateTimeOffset.UtcNow), report, gates));

                // Finished: the outcomes are in the summary and parameter-sets.csv; the checkpoint only served a resume.
                File.Delete(checkpoint.Path);
            }
            catch (IOException e)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not write {runFolder}: {e.Message}");
            }

            terminal.Line($"written: {runFolder}");
            terminal.Line($"report: {Path.Combine(runFolder, "report.html")}");
            if (gates.Any(g => !g.Passed))
            {
                terminal.Line("not deployed: " + string.Join(", ", gates.Where(g => !g.Passed).Select(g => g.Gate)) + " failed");
                return ExitCodes.Success;
            }

            // The set chosen on the most recent training period: the one a live system would run next.
            var chosen = report.Windows.Last(w => w.Chosen is not null).Chosen!;
            try
            {
                terminal.Line($"deployed: {ModelWeights.Deploy(weightsRoot, name, contract.Symbol, chosen, id, Path.Combine(runFolder, "summary.json"))}");
            }
            catch (IOException e)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not write the deployment: {e.Message}");
            }

            return ExitCodes.Success;
        });
        return command;
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

    /// <summary>Every set tried: its parameters, its training score and trades per window, and its whole-data result.</summary>
    private static string SetsCsv(WalkForwardReport report)
    {
        var windows = report.Windows.Count;
        var csv = new System.Text.StringBuilder();
        csv.AppendJoin(',', report.Axes.Concat(Enumerable.Range(1, windows).SelectMany(w => new[] { $"w{w}_train_score", $"w{w}_train_trades" })).Append("all_net_pnl").Append("all_sharpe")).AppendLine();
        foreach (var e in report.Evaluations)
        {
            var cells = report.Axes.Select(a => e.Set.Values[a])
                .Concat(Enumerable.Range(0, windows).SelectMany(w => new[]
                {
                    e.TrainScores[w] is { } s && double.IsFinite(s) ? s.ToString("0.####", CultureInfo.InvariantCulture) : "",
                    e.TrainTrades[w]?.ToString(CultureInfo.InvariantCulture) ?? "",
                }))
                .Append(e.FullNetPnl?.ToString("0.00", CultureInfo.InvariantCulture) ?? "")
                .Append(e.FullSharpe?.ToString("0.####", CultureInfo.InvariantCulture) ?? "");
            csv.AppendJoin(',', cells).AppendLine();
        }

        return csv.ToString();
    }

    /// <summary>The first option that differs between two studies, as "name: was X, now Y"; null when they are the same.</summary>
    private static string? Difference(JsonObject before, JsonObject now)
    {
        foreach (var key in before.Select(p => p.Key).Union(now.Select(p => p.Key)))
        {
            var (was, @is) = (before[key]?.ToJsonString() ?? "null", now[key]?.ToJsonString() ?? "null");
            if (was != @is)
            {
                return $"{key}: was {was}, now {@is}";
            }
        }

        return null;
    }

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
}
