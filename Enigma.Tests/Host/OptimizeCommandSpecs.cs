using System.Text.Json;
using Enigma.Cluster.Host.Commands;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary><c>enigma optimize</c>: a small grid walked forward, its table and its files; bad input named.</summary>
public sealed class OptimizeCommandSpecs : IDisposable
{
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Optimize_must_walk_a_grid_forward_and_write_its_windows_and_out_of_sample_trades()
    {
        var (code, stdout, stderr) = Cli.Run("optimize", "--data", TestFiles.Candles("bybit-linear"), "--symbol", "ETHUSDTM", "--strategy", "rsi-bollinger",
            "--grid", "ENTRY_RSI=25,30", "--grid", "EXIT_RSI=50,60", "--windows", "3", "--min-trades", "5", "--output", _folder.Path);
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("4 parameter set(s) × 3 windows", stderr, StringComparison.Ordinal);
        Assert.Contains("one-sample t-test, mean > 0", stdout, StringComparison.Ordinal);
        Assert.Contains("deflated Sharpe ratio over 4 trial(s)", stdout, StringComparison.Ordinal);

        var run = Assert.Single(Directory.GetDirectories(_folder.Path));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(3, summary.RootElement.GetProperty("windows").GetArrayLength());
        var trades = summary.RootElement.GetProperty("outOfSample").GetProperty("trades").GetInt32();
        Assert.Equal(trades + 1, File.ReadAllLines(Path.Combine(run, "out-of-sample-trades.csv")).Length);
    }

    [Theory]
    [InlineData("--search 'genetic': only grid is built so far", "--search", "genetic")]
    [InlineData("--grid 'ENTRY_RSI' is not KEY=V1,V2", "--strategy", "rsi-bollinger", "--grid", "ENTRY_RSI")]
    [InlineData("the training share must be between 0 and 1", "--strategy", "rsi-bollinger", "--train", "1.5")]
    public void Optimize_must_name_what_is_wrong(string message, params string[] args)
    {
        var (code, _, stderr) = Cli.Run(["optimize", "--data", TestFiles.Candles("bybit-linear"), "--output", _folder.Path, .. args]);
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
