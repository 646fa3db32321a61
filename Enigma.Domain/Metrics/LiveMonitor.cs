using System.Globalization;
using Enigma.Domain.Backtesting;

namespace Enigma.Domain.Metrics;

/// <summary>What a deployed version's walk-forward saw out of sample: what live trading is measured against.</summary>
public sealed record BacktestExpectation(int Trades, double? WinRate, decimal NetPnlPerTrade);

/// <summary>
/// A deployed version on one symbol since it started trading: live round trips, wins and net PnL against what its
/// walk-forward saw out of sample, and the verdict (measuring until <see cref="LiveMonitor.Enough"/> trades; then
/// whether the live win rate lies more than two standard errors below the backtest's).
/// </summary>
public sealed record LiveAgainstBacktest(string Symbol, int Version, BacktestExpectation Expected, long SinceMs, int LiveTrades, int LiveWins, decimal LiveNetPnl, string Verdict);

/// <summary>
/// The seed's MONITOR step: each deployed version's live round trips counted against its backtest's, and a verdict
/// once there are enough of them. Pure: the Audit agent feeds it deployments and closed positions.
/// </summary>
public sealed class LiveMonitor
{
    /// <summary>Live round trips before a verdict: fewer say too little about a win rate.</summary>
    public const int Enough = 20;

    private readonly Dictionary<string, LiveAgainstBacktest> _monitored = new(StringComparer.Ordinal);

    public IReadOnlyList<LiveAgainstBacktest> Report => [.. _monitored.Values.OrderBy(m => m.Symbol, StringComparer.Ordinal)];

    /// <summary>A version starts trading on a symbol: its count starts from zero.</summary>
    public void Deployed(string symbol, int version, BacktestExpectation expected, long atMs) =>
        _monitored[symbol] = new LiveAgainstBacktest(symbol, version, expected, atMs, 0, 0, 0, Measuring(0));

    /// <summary>
    /// A round trip on <paramref name="symbol"/> closed; counted when it opened under the version in force. Returns
    /// the verdict when it has just turned to UNDERPERFORMS (to be told once), null otherwise.
    /// </summary>
    public string? Closed(string symbol, long openedAtMs, decimal netPnl)
    {
        if (!_monitored.TryGetValue(symbol, out var live) || openedAtMs < live.SinceMs)
        {
            return null;
        }

        live = live with { LiveTrades = live.LiveTrades + 1, LiveWins = live.LiveWins + (netPnl > 0 ? 1 : 0), LiveNetPnl = live.LiveNetPnl + netPnl };
        var verdict = Verdict(live);
        var turned = verdict.StartsWith("UNDERPERFORMS", StringComparison.Ordinal) && !_monitored[symbol].Verdict.StartsWith("UNDERPERFORMS", StringComparison.Ordinal);
        _monitored[symbol] = live with { Verdict = verdict };
        return turned ? verdict : null;
    }

    private static string Verdict(LiveAgainstBacktest live)
    {
        if (live.LiveTrades < Enough)
        {
            return Measuring(live.LiveTrades);
        }

        if (live.Expected.WinRate is not { } expected || expected <= 0 || expected >= 1)
        {
            return "the backtest gave no usable win rate to compare with";
        }

        var rate = (double)live.LiveWins / live.LiveTrades;
        var z = Significance.WinRateZ(live.LiveWins, live.LiveTrades, expected);
        return string.Create(CultureInfo.InvariantCulture,
            $"{(z < -2 ? "UNDERPERFORMS" : "in line")}: live win rate {rate * 100:0.0}% over {live.LiveTrades} trades against the backtest's {expected * 100:0.0}% (z = {z:0.00})");
    }

    private static string Measuring(int trades) => string.Create(CultureInfo.InvariantCulture, $"measuring: {trades} of {Enough} live trades");
}
