using System.CommandLine;
using System.Globalization;
using Enigma.Cluster.Host.Backtest;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma backtest --data DIR --symbols ... --timerange 20250403-20250702 [--strategy NAME] [--param KEY=VALUE ...]
/// [--stake USDT] [--fee RATE] [--fill next-open|close] [--initial-balance USDT]</c>: one backtest per symbol on the
/// shipped 5m candles through the simulator's venue model, a summary table, and the run written under
/// <c>knowledge-bank/backtest-results/runs/ID/</c>.
/// </summary>
public static class BacktestCommand
{
    public const string DefaultOutput = "knowledge-bank/backtest-results/runs";

    public static Command Build()
    {
        var data = new Option<DirectoryInfo>("--data", "-d") { Description = "Folder of 5m candle files named like BTCUSDT-5m.csv.gz.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols (XBTUSDTM,ETHUSDTM); each trades its own account.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["XBTUSDTM"] };
        var timerange = new Option<string?>("--timerange") { Description = "YYYYMMDD-YYYYMMDD (UTC, end exclusive; either side may be empty): the candles opened in it." };
        var strategy = new Option<string>("--strategy") { Description = "signal-score (the seed's, default) or rsi-bollinger.", DefaultValueFactory = _ => "signal-score" };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = $"KEY=VALUE (repeatable). signal-score: {string.Join(", ", StrategyCatalog.Keys(StrategyCatalog.SignalScore))}; rsi-bollinger: {string.Join(", ", StrategyCatalog.RsiBollingerKeys)}.",
            AllowMultipleArgumentsPerToken = false,
        };
        var stake = new Option<decimal>("--stake") { Description = "USDT of position value per entry (rsi-bollinger; signal-score sizes by risk).", DefaultValueFactory = _ => 1_000m };
        var fee = new Option<decimal?>("--fee") { Description = "Fee per side for every fill (0.0006 = 0.06%); default: the contract's maker and taker rates." };
        var fill = new Option<string>("--fill") { Description = "next-open (default) or close: when a decision taken on a candle's close fills.", DefaultValueFactory = _ => "next-open" };
        var balance = new Option<decimal>("--initial-balance") { Description = "USDT each symbol's account starts with.", DefaultValueFactory = _ => 10_000m };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Where runs are written (a folder per run).", DefaultValueFactory = _ => new DirectoryInfo(DefaultOutput) };
        var command = new Command("backtest", "Backtest a strategy on candles through the simulator's venue model (fees, slippage, funding, liquidation) and write its report.")
        {
            data, symbols, timerange, strategy, parameters, stake, fee, fill, balance, output,
        };
        command.SetAction(parseResult =>
        {
            var terminal = Terminal.For(parseResult);
            if (!CommandInput.TryParseSymbols(parseResult.GetValue(symbols), out var contracts, out var unknown))
            {
                return terminal.Fail(ExitCodes.Usage, unknown);
            }

            var range = parseResult.GetValue(timerange) ?? "";
            if (!CommandInput.TryTimerange(range, out var fromMs, out var toMs, out var rangeError))
            {
                return terminal.Fail(ExitCodes.Usage, rangeError);
            }

            var given = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var text in parseResult.GetValue(parameters) ?? [])
            {
                var split = text.IndexOf('=', StringComparison.Ordinal);
                if (split <= 0)
                {
                    return terminal.Fail(ExitCodes.Usage, $"--param '{text}' is not KEY=VALUE.");
                }

                given[text[..split].Trim().ToUpperInvariant()] = text[(split + 1)..].Trim();
            }

            BacktestSettings settings;
            Func<ContractSpec, IBacktestStrategy> create;
            try
            {
                settings = new BacktestSettings
                {
                    InitialBalance = parseResult.GetValue(balance),
                    FeeRate = parseResult.GetValue(fee),
                    Fill = parseResult.GetValue(fill) switch
                    {
                        "next-open" => FillTiming.NextOpen,
                        "close" => FillTiming.Close,
                        var other => throw new ArgumentException($"--fill '{other}' must be next-open or close."),
                    },
                };
                settings.Validate();
                create = StrategyFor(parseResult.GetValue(strategy)!, given, parseResult.GetValue(stake));
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, e.Message);
            }

            var folder = parseResult.GetValue(data)!;
            var results = new List<BacktestResult>();
            var prices = new Dictionary<string, IReadOnlyList<Candle>>(StringComparer.Ordinal);
            foreach (var contract in contracts)
            {
                if (CommandInput.LoadCandles(terminal, folder, contract, fromMs, toMs, range) is not { } candles)
                {
                    return ExitCodes.BadInput;
                }

                var watch = System.Diagnostics.Stopwatch.StartNew();
                var result = Backtester.Run(candles, contract, Timeframe.FiveMinutes, create(contract), settings);
                terminal.ErrorLine(string.Create(CultureInfo.InvariantCulture, $"{contract.Symbol}: {candles.Count} candles, {result.Trades.Count} trades in {watch.Elapsed.TotalSeconds:0.00} s ({candles.Count / Math.Max(1e-9, watch.Elapsed.TotalSeconds):0} candles/s)"));
                results.Add(result);
                prices[contract.Symbol] = candles;
            }

            var combined = Combine(results, settings.InitialBalance);
            var name = results[0].Strategy;
            var id = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{name}-{string.Join('-', contracts.Select(c => c.Symbol))}");
            var runFolder = new DirectoryInfo(Path.Combine(parseResult.GetValue(output)!.FullName, id));
            try
            {
                BacktestReport.Write(runFolder, new BacktestRunInfo(id, name, given, folder.FullName, range.Length == 0 ? "all" : range, settings, DateTimeOffset.UtcNow), results, combined, prices);
            }
            catch (IOException e)
            {
                return terminal.Fail(ExitCodes.OutputFailed, $"could not write {runFolder.FullName}: {e.Message}");
            }

            Print(terminal, results, combined);
            terminal.Line($"report: {Path.Combine(runFolder.FullName, "report.html")}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The strategy NAME with its parameters (each checked now, not at the first candle).</summary>
    internal static Func<ContractSpec, IBacktestStrategy> StrategyFor(string name, IReadOnlyDictionary<string, string> given, decimal stake)
    {
        try
        {
            var recipe = StrategyCatalog.Recipe(name, given, stake);
            return contract => recipe.Create(contract);
        }
        catch (ArgumentException e) when (!StrategyCatalog.Names.Contains(name))
        {
            throw new ArgumentException($"--strategy {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--param {e.Message}", e);
        }
    }

    /// <summary>The symbols' accounts as one: trades together, equity summed at each candle.</summary>
    private static BacktestMetrics Combine(List<BacktestResult> results, decimal initialBalance)
    {
        var times = results.SelectMany(r => r.Equity.Select(e => e.TimeMs)).Distinct().Order().ToList();
        var cursors = new int[results.Count];
        var last = results.Select(_ => initialBalance).ToArray();
        var inPosition = new bool[results.Count];
        var equity = new List<EquityPoint>(times.Count);
        foreach (var time in times)
        {
            for (var i = 0; i < results.Count; i++)
            {
                while (cursors[i] < results[i].Equity.Count && results[i].Equity[cursors[i]].TimeMs <= time)
                {
                    last[i] = results[i].Equity[cursors[i]].Equity;
                    inPosition[i] = results[i].Equity[cursors[i]].InPosition;
                    cursors[i]++;
                }
            }

            equity.Add(new EquityPoint(time, last.Sum(), inPosition.Any(p => p)));
        }

        var trades = results.SelectMany(r => r.Trades).OrderBy(t => t.ClosedAtMs).ToList();
        return BacktestMetrics.Compute(trades, equity, initialBalance * results.Count, results.Min(r => r.FromMs), results.Max(r => r.ToMs));
    }

    private static void Print(Terminal terminal, List<BacktestResult> results, BacktestMetrics combined)
    {
        static string Ratio(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-";
        var table = new Table().AddColumns("symbol", "trades", "win rate", "profit factor", "net PnL", "return", "max DD", "Sharpe", "Sortino", "Calmar", "exposure", "fees", "funding");
        foreach (var (name, m) in results.Select(r => (r.Symbol, r.Metrics)).Append(("all", combined)))
        {
            table.AddRow(name, m.Trades.ToString(CultureInfo.InvariantCulture), m.WinRate is { } w ? (w * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-", Ratio(m.ProfitFactor),
                m.NetPnl.ToString("0.00", CultureInfo.InvariantCulture), m.TotalReturnPercent.ToString("0.00", CultureInfo.InvariantCulture) + "%", m.MaxDrawdownPercent.ToString("0.00", CultureInfo.InvariantCulture) + "%",
                Ratio(m.Sharpe), Ratio(m.Sortino), Ratio(m.Calmar), m.ExposurePercent.ToString("0.0", CultureInfo.InvariantCulture) + "%", m.Fees.ToString("0.00", CultureInfo.InvariantCulture), m.Funding.ToString("0.00", CultureInfo.InvariantCulture));
        }

        terminal.Out.Write(table);
    }
}
