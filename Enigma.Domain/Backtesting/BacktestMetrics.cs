using Enigma.Domain.Metrics;

namespace Enigma.Domain.Backtesting;

/// <summary>
/// What a backtest achieved. The seed's metrics (win rate, profit factor, Sharpe, max drawdown, average trade
/// duration, signal accuracy by indicator, fill quality) and Sortino, Calmar, expectancy, exposure and trade count.
/// Ratios are null where they are undefined rather than a made-up number. Sharpe and Sortino are per trade, not
/// annualised (<see cref="TradingMetrics"/>); the drawdown is the equity curve's, marked to each candle's close (it
/// sees the losses of open positions, which the realised curve hides); Calmar is the annualised return over it.
/// </summary>
public sealed record BacktestMetrics(
    int Trades,
    int Wins,
    double? WinRate,
    double? ProfitFactor,
    double? Sharpe,
    double? Sortino,
    double? Calmar,
    double MaxDrawdownPercent,
    double RealisedMaxDrawdownPercent,
    decimal NetPnl,
    decimal? Expectancy,
    double TotalReturnPercent,
    double? AnnualisedReturnPercent,
    double ExposurePercent,
    TimeSpan AverageDuration,
    decimal Fees,
    decimal Funding,
    double? AverageEntrySlippageBps,
    int Liquidations,
    IReadOnlyList<IndicatorAccuracy> SignalAccuracy)
{
    private const double YearMs = 365.25 * 86_400_000;

    public static BacktestMetrics Compute(IReadOnlyList<BacktestTrade> trades, IReadOnlyList<EquityPoint> equity, decimal initialBalance, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(equity);
        var closed = trades.Select(t => new ClosedTrade(t.Symbol, t.Side, t.NetPnl, t.EquityBefore, t.OpenedAtMs, t.ClosedAtMs)).ToList();
        var seed = TradingMetrics.Compute(closed, initialBalance, toMs);

        decimal peak = initialBalance;
        double maxDrawdown = 0;
        var inPosition = 0;
        foreach (var point in equity)
        {
            peak = Math.Max(peak, point.Equity);
            if (peak > 0)
            {
                maxDrawdown = Math.Max(maxDrawdown, (double)((peak - point.Equity) / peak * 100));
            }

            inPosition += point.InPosition ? 1 : 0;
        }

        var final = equity.Count == 0 ? initialBalance : equity[^1].Equity;
        var totalReturn = (double)((final - initialBalance) / initialBalance * 100);
        var years = (toMs - fromMs) / YearMs;
        double? annualised = years > 0 && final > 0 ? (Math.Pow((double)(final / initialBalance), 1 / years) - 1) * 100 : null;
        var accuracy = trades
            .SelectMany(t => t.AgreeingIndicators.Select(i => (Indicator: i, Won: t.NetPnl > 0)))
            .GroupBy(x => x.Indicator, StringComparer.Ordinal)
            .Select(g => new IndicatorAccuracy(g.Key, g.Count(), g.Count(x => x.Won)))
            .OrderBy(a => a.Indicator, StringComparer.Ordinal)
            .ToList();

        return new BacktestMetrics(
            seed.Trades,
            seed.Wins,
            seed.WinRate,
            seed.ProfitFactor,
            seed.Sharpe,
            seed.Sortino,
            annualised is { } a && maxDrawdown > 0 ? a / maxDrawdown : null,
            maxDrawdown,
            seed.MaxDrawdownPercent,
            seed.NetPnl,
            seed.Expectancy,
            totalReturn,
            annualised,
            equity.Count == 0 ? 0 : 100.0 * inPosition / equity.Count,
            seed.AverageDuration,
            trades.Sum(t => t.Fees),
            trades.Sum(t => t.Funding),
            trades.Count == 0 ? null : trades.Average(t => t.EntrySlippageBps),
            trades.Count(t => t.Exit == ExitKind.Liquidation),
            accuracy);
    }
}
