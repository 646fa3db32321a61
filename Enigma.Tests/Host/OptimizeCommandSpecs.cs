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

        Assert.Contains("probability of backtest overfitting (CSCV over 10 blocks of days)", stdout, StringComparison.Ordinal);
        Assert.Contains("gate significance:", stdout, StringComparison.Ordinal);
        Assert.Contains("not deployed:", stdout, StringComparison.Ordinal); // a 4-set grid on 90 days does not pass the seed's gates
        Assert.Contains("against the live parameters:", stdout, StringComparison.Ordinal);
        Assert.Contains("gate beats live:", stdout, StringComparison.Ordinal);

        var run = Assert.Single(Directory.GetDirectories(_folder.Path));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(3, summary.RootElement.GetProperty("windows").GetArrayLength());
        var trades = summary.RootElement.GetProperty("outOfSample").GetProperty("trades").GetInt32();
        Assert.Equal(trades + 1, File.ReadAllLines(Path.Combine(run, "out-of-sample-trades.csv")).Length);
        Assert.Equal(4 + 1, File.ReadAllLines(Path.Combine(run, "parameter-sets.csv")).Length);
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.jsonl")), "a finished run keeps no checkpoint");
        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("Out of sample, per window", html, StringComparison.Ordinal);
        Assert.Contains("Parameters: ENTRY_RSI × EXIT_RSI", html, StringComparison.Ordinal);
        Assert.Contains("Mean training score", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_genetic_search_must_run_from_the_command_line_and_say_so()
    {
        var (code, stdout, stderr) = Cli.Run("optimize", "--data", TestFiles.Candles("bybit-linear"), "--strategy", "rsi-bollinger", "--search", "genetic", "--population", "4", "--generations", "2",
            "--grid", "ENTRY_RSI=20,25,30,35", "--grid", "EXIT_RSI=45,50,55,60", "--windows", "2", "--min-trades", "5", "--output", _folder.Path);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("genetic search over 16 combination(s) × 2 windows", stderr, StringComparison.Ordinal);
        Assert.Contains("gate significance:", stdout, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(Assert.Single(Directory.GetDirectories(_folder.Path)), "summary.json")));
        Assert.Equal(4, summary.RootElement.GetProperty("genetic").GetProperty("population").GetInt32());
    }

    [Fact]
    public void Resuming_a_run_with_other_options_must_be_refused_naming_the_difference()
    {
        string[] common = ["optimize", "--data", TestFiles.Candles("bybit-linear"), "--strategy", "rsi-bollinger", "--windows", "2", "--min-trades", "5", "--output", _folder.Path];
        var (code, _, stderr) = Cli.Run([.. common, "--grid", "ENTRY_RSI=25,30"]);
        Assert.True(code == ExitCodes.Success, stderr);
        var id = Path.GetFileName(Assert.Single(Directory.GetDirectories(_folder.Path)));

        var (refused, _, error) = Cli.Run([.. common, "--grid", "ENTRY_RSI=25,35", "--resume", id]);
        Assert.Equal(ExitCodes.Usage, refused);
        Assert.Contains($"--resume {id}: that run was started with other options (grid:", error, StringComparison.Ordinal);

        var (missing, _, notFound) = Cli.Run([.. common, "--resume", "20990101-000000-nothing"]);
        Assert.Equal(ExitCodes.Usage, missing);
        Assert.Contains("no interrupted run", notFound, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_that_passes_every_gate_must_be_deployed_as_a_new_version_with_its_evidence()
    {
        var weights = _folder.File("model-weights");
        string[] args = ["optimize", "--data", TestFiles.Candles("bybit-linear"), "--symbol", "ETHUSDTM", "--strategy", "rsi-bollinger",
            "--grid", "ENTRY_RSI=25,30", "--windows", "3", "--min-trades", "5", "--output", _folder.File("runs"), "--model-weights", weights,
            "--max-p", "1.01", "--max-p-live", "1.01", "--min-dsr", "0", "--max-pbo", "1.01", "--allow-inconclusive"];

        var (first, said, error) = Cli.Run(args);
        Assert.True(first == ExitCodes.Success, error);
        Assert.Contains("deployed: ", said, StringComparison.Ordinal);
        Assert.Contains("live parameters: the strategy's defaults", error, StringComparison.Ordinal);
        var (second, _, secondError) = Cli.Run(args);
        Assert.Equal(ExitCodes.Success, second);
        Assert.Contains("live parameters: v1 (ENTRY_RSI=", secondError, StringComparison.Ordinal); // the newest deployed version is what a new set must beat

        var folder = Path.Combine(weights, "rsi-bollinger", "ETHUSDTM");
        Assert.Equal(["v1.conf", "v1.evidence.json", "v2.conf", "v2.evidence.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var config = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(folder, "v2.conf")));
        Assert.Equal(2, config.GetInt("enigma.deployed.version"));
        Assert.Contains(config.GetString("enigma.parameters.ENTRY_RSI"), new[] { "25", "30" });
        using var evidence = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "v2.evidence.json")));
        Assert.All(evidence.RootElement.GetProperty("gates").EnumerateArray(), g => Assert.True(g.GetProperty("passed").GetBoolean()));
    }

    [Theory]
    [InlineData("--search 'annealing' must be grid or genetic", "--search", "annealing")]
    [InlineData("--grid seed is the seed's PARAM_GRID for signal-score, not for rsi-bollinger", "--strategy", "rsi-bollinger", "--grid", "seed")]
    [InlineData("genetic search: population ≥ 2 (got 1)", "--search", "genetic", "--population", "1")]
    [InlineData("--grid 'ENTRY_RSI' is not KEY=V1,V2,... (or seed, seed-tradable)", "--strategy", "rsi-bollinger", "--grid", "ENTRY_RSI")]
    [InlineData("the training share must be between 0 and 1", "--strategy", "rsi-bollinger", "--train", "1.5")]
    public void Optimize_must_name_what_is_wrong(string message, params string[] args)
    {
        var (code, _, stderr) = Cli.Run(["optimize", "--data", TestFiles.Candles("bybit-linear"), "--output", _folder.Path, .. args]);
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
