using Enigma.Domain.Market;

namespace Enigma.Domain.Metrics;

/// <summary>A finished round trip: its net PnL (after fees and funding) and the equity it was taken from.</summary>
public sealed record ClosedTrade(string Symbol, Side Side, decimal NetPnl, decimal EquityBefore, long OpenedAtMs, long ClosedAtMs);

/// <summary>
/// The seed's performance metrics over closed trades. Ratios are null where they are undefined (no loss for the
/// profit factor, fewer than two trades or no variation for Sharpe and Sortino) rather than a made-up number.
/// </summary>
public sealed record TradingMetricsReport(
    int Trades,
    int Wins,
    double? WinRate,
    double? WinRate7d,
    double? WinRate30d,
    double? ProfitFactor,
    double? Sharpe,
    double? Sortino,
    double MaxDrawdownPercent,
    TimeSpan AverageDuration,
    decimal NetPnl,
    decimal? Expectancy);

/// <summary>
/// Pure formulas shared by the Audit agent (live) and the backtester. Returns are per trade (net PnL over the equity
/// it was taken from); Sharpe and Sortino are per-trade and not annualised (trade spacing is irregular, and an
/// annualisation factor would invent a frequency); drawdown is the largest fall of the realised equity curve from
/// its running peak, in percent of that peak. A trade is a win when its net PnL is above zero.
/// </summary>
public static class TradingMetrics
{
    private const long Day = 86_400_000;

    public static TradingMetricsReport Compute(IReadOnlyList<ClosedTrade> trades, decimal startingEquity, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var wins = 0;
        decimal grossProfit = 0, grossLoss = 0, net = 0;
        var returns = new double[trades.Count];
        long durationMs = 0;
        decimal equity = startingEquity, peak = startingEquity;
        double maxDrawdown = 0;
        for (var i = 0; i < trades.Count; i++)
        {
            var t = trades[i];
            wins += t.NetPnl > 0 ? 1 : 0;
            grossProfit += Math.Max(t.NetPnl, 0);
            grossLoss += Math.Max(-t.NetPnl, 0);
            net += t.NetPnl;
            returns[i] = t.EquityBefore > 0 ? (double)(t.NetPnl / t.EquityBefore) : 0;
            durationMs += Math.Max(0, t.ClosedAtMs - t.OpenedAtMs);
            equity += t.NetPnl;
            peak = Math.Max(peak, equity);
            if (peak > 0)
            {
                maxDrawdown = Math.Max(maxDrawdown, (double)((peak - equity) / peak * 100));
            }
        }

        return new TradingMetricsReport(
            trades.Count,
            wins,
            WinRate(trades, long.MinValue),
            WinRate(trades, nowMs - (7 * Day)),
            WinRate(trades, nowMs - (30 * Day)),
            grossLoss > 0 ? (double)(grossProfit / grossLoss) : null,
            Sharpe(returns),
            Sortino(returns),
            maxDrawdown,
            trades.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds((double)durationMs / trades.Count),
            net,
            trades.Count == 0 ? null : net / trades.Count);
    }

    public static double? Sharpe(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        if (returns.Count < 2)
        {
            return null;
        }

        var (mean, variance) = Backtesting.Significance.SampleMeanVariance(returns);
        return variance > 0 ? mean / Math.Sqrt(variance) : null;
    }

    /// <summary>Like Sharpe, but only the returns below zero count as risk (downside deviation over all trades).</summary>
    public static double? Sortino(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        if (returns.Count < 2)
        {
            return null;
        }

        var downside = returns.Sum(r => r < 0 ? r * r : 0) / returns.Count;
        return downside > 0 ? returns.Average() / Math.Sqrt(downside) : null;
    }

    private static double? WinRate(IReadOnlyList<ClosedTrade> trades, long fromMs)
    {
        int count = 0, wins = 0;
        foreach (var t in trades)
        {
            if (t.ClosedAtMs >= fromMs)
            {
                count++;
                wins += t.NetPnl > 0 ? 1 : 0;
            }
        }

        return count == 0 ? null : (double)wins / count;
    }
}

/// <summary>How often each indicator was right when it agreed with the trade that was taken.</summary>
public sealed record IndicatorAccuracy(string Indicator, int Agreed, int Won)
{
    public double? Accuracy => Agreed == 0 ? null : (double)Won / Agreed;
}
