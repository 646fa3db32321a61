using System.Globalization;
using System.Text;

namespace Enigma.Domain.Backtesting;

/// <summary>Backtest trades as the CSV every report writes (trades.csv, out-of-sample-trades.csv).</summary>
public static class TradeLog
{
    public static string Csv(IEnumerable<BacktestTrade> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var csv = new StringBuilder("symbol,side,lots,leverage,opened_at,entry_price,closed_at,exit_price,net_pnl,fees,funding,equity_before,exit,entry_slippage_bps,entry_reason\n");
        foreach (var t in trades)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{t.Symbol},{t.Side},{t.Lots},{t.Leverage},{Iso(t.OpenedAtMs)},{t.EntryPrice},{Iso(t.ClosedAtMs)},{t.ExitPrice},{t.NetPnl},{t.Fees},{t.Funding},{t.EquityBefore},{t.Exit},{t.EntrySlippageBps:0.###},\"{t.EntryReason.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }

        return csv.ToString();
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
