using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma optimize [--search grid] [--grid KEY=V1,V2 ...] [--windows 5 --train 0.7 --anchored] [--min-trades 50]
/// [--symbol ...] [--strategy ...] [--timerange ...]</c>: walk-forward validation of a parameter grid on one symbol,
/// with each window's choice, its out-of-sample result, and the significance of all out-of-sample trades together,
/// written under <c>knowledge-bank/backtest-results/walk-forward/ID/</c>.
/// </summary>
public static class OptimizeCommand
{
    public const string DefaultOutput = "knowledge-bank/backtest-results/walk-forward";

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
        var strategy = new Option<string>("--strategy") { Description = "signal-score (default) or rsi-bollinger.", DefaultValueFactory = _ => "signal-score" };
        var search = new Option<string>("--search") { Description = "grid (every combination). The genetic search comes with the Optimizer agent.", DefaultValueFactory = _ => "grid" };
        var grid = new Option<string[]>("--grid", "-g") { Description = "KEY=V1,V2,... (repeatable): the values to try for a parameter; the grid is every combination." };
        var windows = new Option<int>("--windows") { Description = "Walk-forward windows (the seed: 5).", DefaultValueFactory = _ => 5 };
        var train = new Option<double>("--train") { Description = "The training share of each window (the seed: 0.7).", DefaultValueFactory = _ => 0.7 };
        var anchored = new Option<bool>("--anchored") { Description = "Every training period starts at the beginning of the data (rolling by default)." };
        var minTrades = new Option<int>("--min-trades") { Description = "Test trades below which a window is inconclusive (the seed: 50).", DefaultValueFactory = _ => 50 };
        var stake = new Option<decimal>("--stake") { Description = "USDT per entry (rsi-bollinger).", DefaultValueFactory = _ => 1_000m };
        var fee = new Option<decimal?>("--fee") { Description = "Fee per side (default: the contract's)." };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Where walk-forward runs are written.", DefaultValueFactory = _ => new DirectoryInfo(DefaultOutput) };
        var maxP = new Option<double>("--max-p") { Description = "Deployment gate: the out-of-sample t-test's p must be below this.", DefaultValueFactory = _ => 0.05 };
        var minDsr = new Option<double>("--min-dsr") { Description = "Deployment gate: the deflated Sharpe ratio must be at least this.", DefaultValueFactory = _ => 0.95 };
        var maxPbo = new Option<double>("--max-pbo") { Description = "Deployment gate: the probability of backtest overfitting must be below this.", DefaultValueFactory = _ => 0.5 };
        var allowInconclusive = new Option<bool>("--allow-inconclusive") { Description = "Deployment gate off: windows with too few test trades do not block." };
        var weights = new Option<DirectoryInfo>("--model-weights") { Description = "Where a parameter set that passes every gate is written, versioned, with its evidence.", DefaultValueFactory = _ => new DirectoryInfo("knowledge-bank/model-weights") };
        var command = new Command("optimize", "Walk-forward validation of a parameter grid: chosen on each training period, judged on the unseen test period, with significance tests.")
        {
            data, symbol, timerange, strategy, search, grid, windows, train, anchored, minTrades, stake, fee, output, maxP, minDsr, maxPbo, allowInconclusive, weights,
        };
        command.SetAction(parseResult =>
        {
            var terminal = Terminal.For(parseResult);
            if (parseResult.GetValue(search) != "grid")
            {
                return terminal.Fail(ExitCodes.Usage, $"--search '{parseResult.GetValue(search)}': only grid is built so far (the genetic search comes with the Optimizer agent).");
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

            var axes = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var text in parseResult.GetValue(grid) ?? [])
            {
                var split = text.IndexOf('=', StringComparison.Ordinal);
                var values = split <= 0 ? [] : text[(split + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (values.Length == 0)
                {
                    return terminal.Fail(ExitCodes.Usage, $"--grid '{text}' is not KEY=V1,V2,...");
                }

                axes[text[..split].Trim().ToUpperInvariant()] = values;
            }

            var contract = contracts[0];
            IReadOnlyList<ParameterSet> sets;
            Func<ParameterSet, ContractSpec, IBacktestStrategy> create;
            BacktestSettings settings;
            WalkForwardOptions options;
            try
            {
                sets = ParameterSet.Grid(axes);
                var name = parseResult.GetValue(strategy)!;
                var factories = sets.ToDictionary(s => s.Key, s => BacktestCommand.StrategyFor(name, s.Values, parseResult.GetValue(stake)), StringComparer.Ordinal);
                create = (set, c) => factories[set.Key](c);
                settings = new BacktestSettings { FeeRate = parseResult.GetValue(fee) };
                settings.Validate();
                options = new WalkForwardOptions
                {
                    Windows = parseResult.GetValue(windows),
                    TrainFraction = parseResult.GetValue(train),
                    Anchored = parseResult.GetValue(anchored),
                    MinTestTrades = parseResult.GetValue(minTrades),
                };
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, e.Message);
            }

            if (BacktestCommand.LoadCandles(terminal, parseResult.GetValue(data)!, contract, fromMs, toMs, range) is not { } candles)
            {
                return ExitCodes.BadInput;
            }

            WalkForwardReport report;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                report = WalkForwardRunner.Run(candles, contract, Timeframe.FiveMinutes, sets, create, settings, options);
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            terminal.ErrorLine(string.Create(CultureInfo.InvariantCulture, $"{sets.Count} parameter set(s) × {options.Windows} windows on {candles.Count} candles in {watch.Elapsed.TotalSeconds:0.0} s"));
            var table = new Table().AddColumns("window", "train", "test", "chosen", "train score", "test trades", "test net PnL", "verdict");
            foreach (var w in report.Windows)
            {
                table.AddRow(w.Window.Number.ToString(CultureInfo.InvariantCulture), Day(w.Window.TrainFromMs) + " → " + Day(w.Window.TrainToMs), Day(w.Window.TestFromMs) + " → " + Day(w.Window.TestToMs),
                    Markup.Escape(w.Chosen?.Key ?? "-"), double.IsFinite(w.TrainScore) ? w.TrainScore.ToString("0.00", CultureInfo.InvariantCulture) : "-",
                    (w.Test?.Trades.Count ?? 0).ToString(CultureInfo.InvariantCulture), w.Test?.Metrics.NetPnl.ToString("0.00", CultureInfo.InvariantCulture) ?? "-", Markup.Escape(w.Verdict));
            }

            terminal.Out.Write(table);
            terminal.Line(string.Create(CultureInfo.InvariantCulture,
                $"out of sample: {report.OutOfSampleTrades.Count} trades, net {report.OutOfSampleTrades.Sum(t => t.NetPnl):0.00} USDT; {report.OutOfSampleMeanAboveZero.Test}: t = {report.OutOfSampleMeanAboveZero.Statistic:0.00}, p = {report.OutOfSampleMeanAboveZero.PValue:0.0000}; deflated Sharpe ratio over {report.Trials} trial(s): {report.DeflatedSharpe:0.0000}"));

            terminal.Line(report.ProbabilityOfOverfitting is { } pbo
                ? string.Create(CultureInfo.InvariantCulture, $"probability of backtest overfitting (CSCV over {options.OverfittingBlocks} blocks of days): {pbo:0.000}")
                : "probability of backtest overfitting: not computed (one parameter set, or too few days)");
            var gates = new DeploymentGates
            {
                MaxPValue = parseResult.GetValue(maxP),
                MinDeflatedSharpe = parseResult.GetValue(minDsr),
                MaxOverfitting = parseResult.GetValue(maxPbo),
                RequireConclusiveWindows = !parseResult.GetValue(allowInconclusive),
            }.Judge(report);
            foreach (var gate in gates)
            {
                terminal.Line($"gate {gate.Gate}: {(gate.Passed ? "passed" : "FAILED")} — {gate.Detail}");
            }

            var id = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{parseResult.GetValue(strategy)}-{contract.Symbol}");
            var runFolder = Path.Combine(parseResult.GetValue(output)!.FullName, id);
            try
            {
                Directory.CreateDirectory(runFolder);
                var summary = new
                {
                    id,
                    strategy = parseResult.GetValue(strategy),
                    symbol = contract.Symbol,
                    timerange = range.Length == 0 ? "all" : range,
                    grid = axes,
                    options = new { options.Windows, options.TrainFraction, options.Anchored, options.MinTestTrades, options.MinTrainTrades, warmUpDays = options.WarmUp.TotalDays },
                    settings,
                    trials = report.Trials,
                    windows = report.Windows.Select(w => new { w.Window, chosen = w.Chosen?.Values, w.TrainScore, w.TrainTrades, w.Inconclusive, w.Verdict, test = w.Test?.Metrics }),
                    outOfSample = new { trades = report.OutOfSampleTrades.Count, netPnl = report.OutOfSampleTrades.Sum(t => t.NetPnl), meanAboveZero = report.OutOfSampleMeanAboveZero, report.DeflatedSharpe, report.TrainingSharpeVariance, report.ProbabilityOfOverfitting },
                    gates,
                };
                File.WriteAllText(Path.Combine(runFolder, "summary.json"), JsonSerializer.Serialize(summary, Json));
                File.WriteAllText(Path.Combine(runFolder, "out-of-sample-trades.csv"), Backtest.BacktestReport.TradesCsv(report.OutOfSampleTrades));
            }
            catch (IOException e)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not write {runFolder}: {e.Message}");
            }

            terminal.Line($"written: {runFolder}");
            if (gates.Any(g => !g.Passed))
            {
                terminal.Line("not deployed: " + string.Join(", ", gates.Where(g => !g.Passed).Select(g => g.Gate)) + " failed");
                return ExitCodes.Success;
            }

            // The set chosen on the most recent training period: the one a live system would run next.
            var chosen = report.Windows.Last(w => w.Chosen is not null).Chosen!;
            try
            {
                var deployed = Deploy(parseResult.GetValue(weights)!, parseResult.GetValue(strategy)!, contract.Symbol, chosen, id, runFolder);
                terminal.Line($"deployed: {deployed}");
            }
            catch (IOException e)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not write the deployment: {e.Message}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Writes MODEL_WEIGHTS/STRATEGY/SYMBOL/vN.conf (the parameters as HOCON, N one above the last version) with the
    /// walk-forward's summary beside it as vN.evidence.json; an existing version is never overwritten.
    /// </summary>
    private static string Deploy(DirectoryInfo weights, string strategy, string symbol, ParameterSet chosen, string runId, string runFolder)
    {
        var folder = Directory.CreateDirectory(Path.Combine(weights.FullName, strategy, symbol));
        var version = folder.EnumerateFiles("v*.conf")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f.Name)[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .DefaultIfEmpty(0).Max() + 1;
        var path = Path.Combine(folder.FullName, string.Create(CultureInfo.InvariantCulture, $"v{version}.conf"));
        var hocon = new System.Text.StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {strategy} on {symbol}, version {version}: chosen by walk-forward run {runId}, which passed every deployment gate.")
            .AppendLine(CultureInfo.InvariantCulture, $"# Evidence: v{version}.evidence.json (the windows, the out-of-sample tests, the gates).")
            .AppendLine(CultureInfo.InvariantCulture, $"enigma.deployed {{ strategy = \"{strategy}\", symbol = \"{symbol}\", version = {version}, run = \"{runId}\" }}");
        foreach (var (key, value) in chosen.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            hocon.AppendLine(CultureInfo.InvariantCulture, $"enigma.parameters.{key} = \"{value}\"");
        }

        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(hocon.ToString());
        }

        File.Copy(Path.Combine(runFolder, "summary.json"), Path.Combine(folder.FullName, string.Create(CultureInfo.InvariantCulture, $"v{version}.evidence.json")));
        return path;
    }

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
}
