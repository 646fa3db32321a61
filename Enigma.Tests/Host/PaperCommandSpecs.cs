using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

public sealed class PaperCommandSpecs
{
    [Fact]
    public void Paper_trading_runs_the_startup_sequence_trades_until_its_duration_and_resumes_from_the_journal()
    {
        using var folder = TestFiles.TemporaryFolder();
        var data = Path.Combine(TestFiles.RepositoryRoot, "knowledge-bank", "historical-data", "candles", "bybit-linear");
        string[] args = ["paper", "--symbols", "XBTUSDTM", "--speed", "600", "--duration", "6s", "--data-dir", folder.Path, "--data", data];

        var (code, stdout, stderr) = Cli.Run(args);
        Assert.True(code == 0, stderr + stdout);
        for (var step = 1; step <= 11; step++)
        {
            Assert.Contains($"startup {step,2}/11 ", stdout, StringComparison.Ordinal);
        }

        Assert.Contains("TRADING equity", stdout, StringComparison.Ordinal);
        Assert.Contains("stopped; state is in the journal", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder.Path, "journal.db")));

        // The second run recovers from the journal and the simulator from its venue log: the paper account, its
        // orders and positions are where the first run left them, so reconciliation proves the state and trading resumes.
        var again = Cli.Run(args);
        Assert.True(again.Code == 0, again.Stderr + again.Stdout);
        Assert.Contains("simulator resumed: ", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("XBTUSDTM: Ready", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("TRADING equity", again.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--duration", "5x", "--duration '5x' is not a duration")]
    [InlineData("--symbols", "NOPEUSDTM", "'NOPEUSDTM' is not a known contract")]
    public void Bad_options_are_refused_by_name(string option, string value, string message)
    {
        var (code, _, stderr) = Cli.Run("paper", option, value);
        Assert.Equal(1, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
