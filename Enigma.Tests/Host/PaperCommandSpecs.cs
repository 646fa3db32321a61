using Akka.Actor;
using Enigma.Actors.Hosting;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Orchestration;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

public sealed class PaperCommandSpecs
{
    /// <summary>The steps of a node with every role, in the order they run, each named for what it does.</summary>
    internal static readonly string[] NodeStartSteps = ["journal", "exchange", "cluster", "agents", "audit", "market data", "routes", "positions", "parameters", "ready", "trading"];

    [Fact]
    public void Paper_trading_runs_the_startup_sequence_trades_until_its_duration_and_resumes_from_the_journal()
    {
        using var folder = TestFiles.TemporaryFolder();
        var data = Path.Combine(TestFiles.RepositoryRoot, "knowledge-bank", "historical-data", "candles", "bybit-linear");
        string[] args = ["paper", "--symbols", "XBTUSDTM", "--speed", "600", "--duration", "6s", "--data-dir", folder.Path, "--data", data, "--admin-port", "0"];

        var (code, stdout, stderr) = Cli.Run(args);
        Assert.True(code == 0, stderr + stdout);
        foreach (var step in NodeStartSteps)
        {
            Assert.Contains($"start [{step}] ", stdout, StringComparison.Ordinal);
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

    [Fact]
    public async Task A_journal_left_in_EMERGENCY_STOP_starts_only_with_the_operators_resume()
    {
        using var folder = TestFiles.TemporaryFolder();

        // A node that stopped in an emergency, then shut down in order (as Ctrl+C does).
        var system = ActorSystem.Create("emergency-left", EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db"))));
        try
        {
            var orchestrator = system.ActorOf(OrchestratorActor.Props(ActorRefs.Nobody));
            foreach (var message in new object[] { new RequestTransition(SystemState.Ready, "up"), new RequestTransition(SystemState.Trading, "go"), new TriggerEmergencyStop(EmergencyTrigger.LosingStreak, "5 consecutive losses >= 5"), new RequestTransition(SystemState.Shutdown, "operator stop") })
            {
                Assert.IsType<TransitionAccepted>(await orchestrator.Ask<object>(message, TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            await system.Terminate();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        var data = Path.Combine(TestFiles.RepositoryRoot, "knowledge-bank", "historical-data", "candles", "bybit-linear");
        string[] args = ["paper", "--symbols", "XBTUSDTM", "--speed", "0", "--duration", "2s", "--data-dir", folder.Path, "--data", data, "--admin-port", "0"];
        var refused = Cli.Run(args);
        Assert.Equal(2, refused.Code);
        Assert.Contains("the last run ended in EMERGENCY_STOP (LosingStreak: 5 consecutive losses >= 5)", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--resume", refused.Stderr, StringComparison.Ordinal);

        var resumed = Cli.Run([.. args, "--resume"]);
        Assert.True(resumed.Code == 0, resumed.Stderr + resumed.Stdout);
        Assert.Contains("resuming after EMERGENCY_STOP (LosingStreak: 5 consecutive losses >= 5) on the operator's --resume", resumed.Stdout, StringComparison.Ordinal);
        Assert.Contains("start [resume] the operator's --resume", resumed.Stdout, StringComparison.Ordinal);

        // The resumed system trades with its positions and losing streak recovered into the risk portfolio first.
        Assert.True(resumed.Stdout.IndexOf("start [positions]", StringComparison.Ordinal) is > 0 and var positions
            && positions < resumed.Stdout.IndexOf("start [resume]", StringComparison.Ordinal), resumed.Stdout);
        Assert.Contains("stopped; state is in the journal", resumed.Stdout, StringComparison.Ordinal);
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
