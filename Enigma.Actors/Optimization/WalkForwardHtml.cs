using System.Globalization;
using System.Net;
using System.Text;
using Enigma.Domain.Backtesting;

namespace Enigma.Actors.Optimization;

/// <summary>What a walk-forward report says about its run, beside the report itself.</summary>
public sealed record WalkForwardRunInfo(string Id, string Strategy, string Symbol, string Timerange, string Search, string Live, TimeSpan Elapsed, DateTimeOffset RanAt);

/// <summary>
/// A walk-forward run as one self-contained HTML page: the statistics and the gates, the out-of-sample result per
/// window against the live parameters, the out-of-sample equity, and heat maps of the parameters over two axes.
/// </summary>
public static class WalkForwardHtml
{
    public static string Render(WalkForwardRunInfo run, WalkForwardReport report, IReadOnlyList<GateResult> gates)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(gates);
        static string E(string text) => WebUtility.HtmlEncode(text);
        static string F(double? v, string format = "0.00") => v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"Walk-forward {run.Id}")).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}svg{border:1px solid #ddd;background:#fff}.note{color:#666;font-size:90%}.pass{color:#2a6}.fail{color:#c33;font-weight:bold}.heat td{min-width:4em}")
            .Append("</style></head><body>");
        html.Append("<h1>").Append(E($"Walk-forward {run.Id}")).Append("</h1><p>")
            .Append(E($"{run.Strategy} on {run.Symbol}; timerange {run.Timerange}; search {run.Search}; {report.Trials} parameter sets tried; live parameters: {run.Live}; {run.Elapsed.TotalSeconds:0.0} s; ran {run.RanAt:u}"))
            .Append("</p><p class=\"note\">Each window's set is chosen on its training period by the t-statistic of its trade returns (per-trade Sharpe × √trades, at least the minimum number of training trades) and judged on the test period that follows, which it has never seen. The statistics are over the out-of-sample trades of all windows together.</p>");

        html.Append("<h2>Statistics and deployment gates</h2><table><tr><th>measure</th><th>value</th></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>out-of-sample trades</td><td>{report.OutOfSampleTrades.Count}</td></tr><tr><td>out-of-sample net PnL (USDT)</td><td>{report.OutOfSampleTrades.Sum(t => t.NetPnl):0.00}</td></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(report.OutOfSampleMeanAboveZero.Test)}</td><td>t = {F(report.OutOfSampleMeanAboveZero.Statistic)}, p = {F(report.OutOfSampleMeanAboveZero.PValue, "0.0000")}</td></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(report.OutOfSampleMeanAboveLive.Test)} ({report.LiveOutOfSampleTrades.Count} live trades)</td><td>t = {F(report.OutOfSampleMeanAboveLive.Statistic)}, p = {F(report.OutOfSampleMeanAboveLive.PValue, "0.0000")}</td></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>deflated Sharpe ratio ({report.Trials} trials)</td><td>{F(report.DeflatedSharpe, "0.0000")}</td></tr><tr><td>probability of backtest overfitting (CSCV)</td><td>{F(report.ProbabilityOfOverfitting, "0.000")}</td></tr></table>");
        html.Append("<table><tr><th>gate</th><th>result</th><th>detail</th></tr>");
        foreach (var gate in gates)
        {
            html.Append("<tr><td>").Append(E(gate.Gate)).Append("</td><td class=\"").Append(gate.Passed ? "pass\">passed" : "fail\">FAILED").Append("</td><td>").Append(E(gate.Detail)).Append("</td></tr>");
        }

        html.Append("</table><h2>Out of sample, per window</h2><table><tr><th>window</th><th>train</th><th>test</th><th>chosen</th><th>sets tried</th><th>train score</th><th>train trades</th><th>test trades</th><th>test net PnL</th><th>win rate</th><th>profit factor</th><th>max DD</th><th>live net PnL</th><th>verdict</th></tr>");
        foreach (var w in report.Windows)
        {
            var m = w.Test?.Metrics;
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{w.Window.Number}</td><td>{Day(w.Window.TrainFromMs)} → {Day(w.Window.TrainToMs)}</td><td>{Day(w.Window.TestFromMs)} → {Day(w.Window.TestToMs)}</td><td>{E(w.Chosen?.Key ?? "-")}</td><td>{w.SetsTried}</td><td>{F(w.TrainScore)}</td><td>{w.TrainTrades}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{w.Test?.Trades.Count ?? 0}</td><td>{(m is null ? "-" : m.NetPnl.ToString("0.00", CultureInfo.InvariantCulture))}</td><td>{ReportHtml.Pct(m?.WinRate * 100)}</td><td>{ReportHtml.Num(m?.ProfitFactor)}</td><td>{(m is null ? "-" : m.MaxDrawdownPercent.ToString("0.00", CultureInfo.InvariantCulture) + "%")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{(w.LiveTest is null ? "-" : w.LiveTest.Metrics.NetPnl.ToString("0.00", CultureInfo.InvariantCulture))}</td><td>{E(w.Verdict)}</td></tr>");
        }

        html.Append("</table>");
        html.Append("<h3>Out-of-sample cumulative net PnL, chosen sets (USDT)</h3>").Append(ReportHtml.Chart(Cumulative(report.OutOfSampleTrades), "#2a6", []));
        html.Append("<h3>The live parameters over the same test periods (USDT)</h3>").Append(ReportHtml.Chart(Cumulative(report.LiveOutOfSampleTrades), "#888", []));

        var axes = Enumerable.Range(0, report.Axes.Count)
            .Select(a => (Index: a, Values: report.Evaluations.Select(e => e.Set.Values[report.Axes[a]]).Distinct(StringComparer.Ordinal).ToList()))
            .Where(a => a.Values.Count > 1).OrderByDescending(a => a.Values.Count).ThenBy(a => a.Index).Take(2).ToList();
        if (axes.Count == 2)
        {
            var (rows, columns) = (report.Axes[axes[0].Index], report.Axes[axes[1].Index]);
            html.Append("<h2>Parameters: ").Append(E(rows)).Append(" × ").Append(E(columns)).Append("</h2><p class=\"note\">Each cell is over every set tried with those two values (the other parameters averaged or maximised). Green is better. A lone bright cell among dull neighbours is what overfitting looks like; a broad bright region is a robust one.</p>");
            html.Append("<h3>Mean training score (t-statistic of trade returns, over windows and the other parameters)</h3>")
                .Append(Heat(report.Evaluations, rows, columns, axes[0].Values, axes[1].Values, e => e.TrainScores.Where(s => s is { } x && double.IsFinite(x)).Select(s => s!.Value).DefaultIfEmpty(double.NaN).Average(), values => values.Average()));
            if (report.Evaluations.Any(e => e.FullNetPnl is not null))
            {
                html.Append("<h3>Best net PnL over the whole data (USDT, the best of the other parameters; in sample)</h3>")
                    .Append(Heat(report.Evaluations, rows, columns, axes[0].Values, axes[1].Values, e => e.FullNetPnl is { } n ? (double)n : double.NaN, values => values.Max()));
            }
        }

        return html.Append("</body></html>").ToString();
    }

    private static string Heat(IReadOnlyList<SetEvaluation> evaluations, string rows, string columns, List<string> rowValues, List<string> columnValues, Func<SetEvaluation, double> measure, Func<List<double>, double> combine)
    {
        var cells = evaluations.GroupBy(e => (R: e.Set.Values[rows], C: e.Set.Values[columns]))
            .ToDictionary(g => g.Key, g => g.Select(measure).Where(double.IsFinite).ToList() is { Count: > 0 } v ? combine(v) : double.NaN);
        var finite = cells.Values.Where(double.IsFinite).ToList();
        var (low, high) = finite.Count == 0 ? (0.0, 1.0) : (finite.Min(), finite.Max());
        var html = new StringBuilder("<table class=\"heat\"><tr><th>").Append(WebUtility.HtmlEncode($"{rows} \\ {columns}")).Append("</th>");
        foreach (var c in columnValues)
        {
            html.Append("<th>").Append(WebUtility.HtmlEncode(c)).Append("</th>");
        }

        html.Append("</tr>");
        foreach (var r in rowValues)
        {
            html.Append("<tr><th>").Append(WebUtility.HtmlEncode(r)).Append("</th>");
            foreach (var c in columnValues)
            {
                var v = cells.TryGetValue((r, c), out var x) ? x : double.NaN;
                if (!double.IsFinite(v))
                {
                    html.Append("<td>-</td>");
                    continue;
                }

                // Red (worst) to white to green (best), over this map's own range.
                var t = high > low ? (v - low) / (high - low) : 0.5;
                var (red, green, blue) = t < 0.5 ? (255, (int)(255 * t * 2), (int)(255 * t * 2)) : ((int)(255 * (1 - t) * 2), 255, (int)(255 * (1 - t) * 2));
                html.Append(CultureInfo.InvariantCulture, $"<td style=\"background:rgb({red},{green},{blue})\">{v:0.00}</td>");
            }

            html.Append("</tr>");
        }

        return html.Append("</table>").ToString();
    }

    private static List<(long TimeMs, double Value)> Cumulative(IReadOnlyList<BacktestTrade> trades)
    {
        var sum = 0m;
        return [.. trades.OrderBy(t => t.ClosedAtMs).Select(t => (t.ClosedAtMs, (double)(sum += t.NetPnl)))];
    }

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
