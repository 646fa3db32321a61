using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Enigma.Actors.Optimization;
using Enigma.Domain.Backtesting;

namespace Enigma.Cluster.Host.Backtest;

/// <summary>One run's request as the report records it: enough to run it again.</summary>
public sealed record BacktestRunInfo(string Id, string Strategy, IReadOnlyDictionary<string, string> Parameters, string DataDirectory, string Timerange, BacktestSettings Settings, DateTimeOffset RanAt);

/// <summary>
/// Writes a run to <c>knowledge-bank/backtest-results/runs/ID/</c>: <c>summary.json</c> (the request and the metrics
/// per symbol and combined), <c>trades.csv</c> (the trade log) and <c>report.html</c> (self-contained: the metrics,
/// the equity curve, the drawdown and the trades on the price chart, as inline SVG with no script or external file).
/// </summary>
public static class BacktestReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(DirectoryInfo folder, BacktestRunInfo run, IReadOnlyList<BacktestResult> results, BacktestMetrics combined, IReadOnlyDictionary<string, IReadOnlyList<Domain.Market.Candle>> prices)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(results);
        folder.Create();
        var summary = new
        {
            run,
            combined,
            symbols = results.Select(r => new { r.Symbol, from = Iso(r.FromMs), to = Iso(r.ToMs), r.Candles, r.Metrics }),
        };
        File.WriteAllText(Path.Combine(folder.FullName, "summary.json"), JsonSerializer.Serialize(summary, Json));
        File.WriteAllText(Path.Combine(folder.FullName, "trades.csv"), TradesCsv(results.SelectMany(r => r.Trades).OrderBy(t => t.OpenedAtMs)));
        File.WriteAllText(Path.Combine(folder.FullName, "report.html"), Html(run, results, combined, prices));
    }

    /// <summary>The trades as CSV (<see cref="TradeLog.Csv"/>).</summary>
    public static string TradesCsv(IEnumerable<BacktestTrade> trades) => TradeLog.Csv(trades);

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Html(BacktestRunInfo run, IReadOnlyList<BacktestResult> results, BacktestMetrics combined, IReadOnlyDictionary<string, IReadOnlyList<Domain.Market.Candle>> prices)
    {
        var html = new StringBuilder();
        string E(string text) => WebUtility.HtmlEncode(text);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"Backtest {run.Id}")).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}svg{border:1px solid #ddd;background:#fff}.note{color:#666;font-size:90%}")
            .Append("</style></head><body>");
        html.Append("<h1>").Append(E($"Backtest {run.Id}")).Append("</h1><p>").Append(E($"strategy {run.Strategy}; timerange {run.Timerange}; fill at {run.Settings.Fill}; fee per side {(run.Settings.FeeRate?.ToString(CultureInfo.InvariantCulture) ?? "the contract's maker/taker")}; initial balance {run.Settings.InitialBalance.ToString(CultureInfo.InvariantCulture)} USDT per symbol; parameters {string.Join(", ", run.Parameters.Select(p => p.Key + "=" + p.Value))}; ran {run.RanAt:u}")).Append("</p>");
        html.Append("<p class=\"note\">Each symbol trades its own account. Sharpe and Sortino are per trade, not annualised; the drawdown is marked to each candle's close; Calmar is the annualised return over that drawdown. Five losses in a row stop the signal-score strategy until the next UTC day (the backtest's stand-in for the operator's manual resume).</p>");

        html.Append("<table><tr><th>symbol</th><th>trades</th><th>win rate</th><th>profit factor</th><th>net PnL</th><th>return</th><th>max DD</th><th>Sharpe</th><th>Sortino</th><th>Calmar</th><th>expectancy</th><th>exposure</th><th>avg duration</th><th>fees</th><th>funding</th><th>slippage (bps)</th><th>liquidations</th></tr>");
        foreach (var (name, m) in results.Select(r => (r.Symbol, r.Metrics)).Append(("all", combined)))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td>{m.Trades}</td><td>{Pct(m.WinRate * 100)}</td><td>{Num(m.ProfitFactor)}</td><td>{m.NetPnl:0.00}</td><td>{m.TotalReturnPercent:0.00}%</td><td>{m.MaxDrawdownPercent:0.00}%</td><td>{Num(m.Sharpe)}</td><td>{Num(m.Sortino)}</td><td>{Num(m.Calmar)}</td><td>{(m.Expectancy is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-")}</td><td>{m.ExposurePercent:0.0}%</td><td>{m.AverageDuration.TotalHours:0.0} h</td><td>{m.Fees:0.00}</td><td>{m.Funding:0.00}</td><td>{Num(m.AverageEntrySlippageBps)}</td><td>{m.Liquidations}</td></tr>");
        }

        html.Append("</table>");
        if (combined.SignalAccuracy.Count > 0)
        {
            html.Append("<h2>Signal accuracy by indicator</h2><table><tr><th>indicator</th><th>trades it agreed with</th><th>won</th><th>accuracy</th></tr>");
            foreach (var a in combined.SignalAccuracy)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(a.Indicator)}</td><td>{a.Agreed}</td><td>{a.Won}</td><td>{Pct(a.Accuracy * 100)}</td></tr>");
            }

            html.Append("</table>");
        }

        foreach (var result in results)
        {
            html.Append("<h2>").Append(E(result.Symbol)).Append("</h2><h3>Equity (USDT)</h3>").Append(Chart(result.Equity.Select(p => (p.TimeMs, (double)p.Equity)).ToList(), "#2a6", []));
            decimal peak = result.Settings.InitialBalance;
            var drawdown = result.Equity.Select(p =>
            {
                peak = Math.Max(peak, p.Equity);
                return (p.TimeMs, -(double)((peak - p.Equity) / peak * 100));
            }).ToList();
            html.Append("<h3>Drawdown (%)</h3>").Append(Chart(drawdown, "#c33", []));
            if (prices.TryGetValue(result.Symbol, out var candles))
            {
                var marks = result.Trades.SelectMany(t => new[] { (t.OpenedAtMs, (double)t.EntryPrice, t.Side == Domain.Market.Side.Long ? "#2a6" : "#c33"), (t.ClosedAtMs, (double)t.ExitPrice, "#333") }).ToList();
                html.Append("<h3>Trades on the price (entries: green long, red short; exits: black)</h3>")
                    .Append(Chart(candles.Select(c => (c.OpenTimeMs, (double)c.Close)).ToList(), "#36c", marks));
            }
        }

        return html.Append("</body></html>").ToString();
    }

    internal static string Pct(double? value) => ReportHtml.Pct(value);

    internal static string Num(double? value) => ReportHtml.Num(value);

    internal static string Chart(List<(long TimeMs, double Value)> series, string colour, List<(long TimeMs, double Value, string Colour)> marks) => ReportHtml.Chart(series, colour, marks);
}
