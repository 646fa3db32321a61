using System.Text.Json;
using Enigma.Cluster.Host.Commands;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary><c>enigma backtest</c>: the run's files, the summary it prints, and bad input named.</summary>
public sealed class BacktestCommandSpecs : IDisposable
{
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();

    public void Dispose() => _folder.Dispose();

    private string Data => TestFiles.Candles("bybit-linear");

    [Fact]
    public void Backtest_must_write_a_summary_a_trade_log_and_a_self_contained_report()
    {
        var (code, stdout, stderr) = Cli.Run("backtest", "--data", Data, "--symbols", "ETHUSDTM", "--strategy", "rsi-bollinger", "--timerange", "20250410-20250425",
            "--fee", "0.0005", "--stake", "2000", "--output", _folder.Path);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("ETHUSDTM: 4320 candles", stderr, StringComparison.Ordinal);
        var run = Assert.Single(Directory.GetDirectories(_folder.Path));
        Assert.Contains(Path.Combine(run, "report.html"), stdout, StringComparison.Ordinal);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var trades = summary.RootElement.GetProperty("combined").GetProperty("trades").GetInt32();
        Assert.True(trades > 0, "two weeks of 5m ETH give the strategy something to do");
        Assert.Equal(0.0005m, summary.RootElement.GetProperty("run").GetProperty("settings").GetProperty("feeRate").GetDecimal());
        Assert.Equal(trades + 1, File.ReadAllLines(Path.Combine(run, "trades.csv")).Length);

        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "--timerange '20250430-20250401' must be YYYYMMDD-YYYYMMDD", "--timerange", "20250430-20250401")]
    [InlineData(ExitCodes.Usage, "--strategy 'momentum' is not a strategy", "--strategy", "momentum")]
    [InlineData(ExitCodes.Usage, "--param STOP_LOSS_ROI: rsi-bollinger takes", "--strategy", "rsi-bollinger", "--param", "STOP_LOSS_ROI=2")]
    [InlineData(ExitCodes.Usage, "--fill 'later' must be next-open or close", "--fill", "later")]
    [InlineData(ExitCodes.BadInput, "has no candle in the timerange", "--timerange", "20200101-20200201")]
    public void Backtest_must_name_what_is_wrong(int expected, string message, params string[] args)
    {
        var (code, _, stderr) = Cli.Run(["backtest", "--data", Data, "--symbols", "ETHUSDTM", "--output", _folder.Path, .. args]);
        Assert.Equal(expected, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(_folder.Path));
    }
}
