using Enigma.Domain.Market;
using Enigma.Domain.Metrics;
using Enigma.Domain.Signals;

namespace Enigma.Tests.Domain.Metrics;

public sealed class LiveMonitorSpecs
{
    [Fact]
    public void A_deployed_version_must_be_measured_until_twenty_trades_then_called_underperforming_once()
    {
        var monitor = new LiveMonitor();
        monitor.Deployed("ETHUSDTM", 3, new BacktestExpectation(60, 0.6, 5m), atMs: 1_000);

        Assert.Null(monitor.Closed("ETHUSDTM", openedAtMs: 500, netPnl: -1m)); // opened under the version before
        for (var i = 0; i < 19; i++)
        {
            Assert.Null(monitor.Closed("ETHUSDTM", 2_000 + i, i < 5 ? 1m : -1m));
        }

        Assert.Equal("measuring: 19 of 20 live trades", Assert.Single(monitor.Report).Verdict);

        // 5 wins in 20 against 60%: z = (0.25 − 0.6) / √(0.6 · 0.4 / 20) = −3.195.
        var verdict = monitor.Closed("ETHUSDTM", 3_000, -1m);
        Assert.StartsWith("UNDERPERFORMS: live win rate 25.0% over 20 trades against the backtest's 60.0% (z = -3.20)", verdict, StringComparison.Ordinal);
        Assert.Null(monitor.Closed("ETHUSDTM", 3_001, -1m));
        Assert.Equal((21, 5, -11m), (monitor.Report[0].LiveTrades, monitor.Report[0].LiveWins, monitor.Report[0].LiveNetPnl));
    }

    [Fact]
    public void An_indicator_must_count_for_the_trades_it_agreed_with()
    {
        var metrics = new LiveMetrics();
        var signal = new SignalOutput("ETHUSDTM", SignalDirection.Long, 60, 0.5,
            [new IndicatorBreakdown("RSI", 25, 15, "oversold"), new IndicatorBreakdown("MACD", -2, -15, "bearish cross")], [], Alignment.Full, 1_000);
        Assert.True(metrics.Signal(signal, wallMs: 5));
        metrics.Opened("ETHUSDTM", Side.Long);
        metrics.Closed(new ClosedTrade("ETHUSDTM", Side.Long, 12m, 10_000m, 1_000, 2_000));

        Assert.Equal([new IndicatorAccuracy("RSI", 1, 1)], metrics.Accuracy);
        Assert.Equal(1, metrics.Metrics(10_000m, 3_000).Trades);
    }
}
