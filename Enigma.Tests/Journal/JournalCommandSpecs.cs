using Akka.Actor;
using Akka.Configuration;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Tests.Exchange.Simulator;
using Enigma.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Enigma.Tests.Journal;

/// <summary>
/// <c>enigma journal replay|export|verify</c> on a journal that a live Execution entity wrote (an entry filled
/// against the simulator, snapshots every two events), read offline once the actor system is gone.
/// </summary>
public abstract class JournalCommandSpecs : IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;

    /// <summary>The live entity's state when the node stopped: what the replay must rebuild.</summary>
    protected ExecutionState LiveState { get; private set; } = null!;

    protected abstract string Journal { get; }

    protected abstract Task<Config> JournalConfigAsync();

    public async Task InitializeAsync()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var system = ActorSystem.Create("journal-writer", EnigmaConfig.Bootstrap((await JournalConfigAsync()).WithFallback("akka.loglevel = WARNING")));
        try
        {
            var settings = new ExecutionSettings { SnapshotEvery = 2, PollInterval = TimeSpan.FromMilliseconds(50), ReconcileRetry = TimeSpan.FromMilliseconds(200) };
            var entity = system.ActorOf(ExecutionEntity.Props(Xbt, new KuCoinExchangeGateway(sim.Client()), settings));
            await Poll.UntilAsync(async () => (await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromSeconds(5))).Phase == ExecutionPhase.Ready, "the entity reconciled");
            var ticker = await sim.Client().GetTickerAsync(Xbt.Symbol);
            var entry = Xbt.FloorToTick(ticker.BestAsk * 1.001m);
            var approval = new SizedOrder(Xbt.Symbol, Side.Long, 3, 5, entry, Xbt.CeilingToTick(entry * 0.95m), Xbt.FloorToTick(entry * 1.05m), entry * 0.8m, entry * 3 * Xbt.Multiplier / 5, 10, 1);
            var placed = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_300_000), TimeSpan.FromSeconds(10));
            Assert.Equal(PlacementStatus.Accepted, placed.Status);
            await Poll.UntilAsync(async () => (await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromSeconds(5))).State.Position.Lots == 3, "the entry filled");
            LiveState = (await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromSeconds(5))).State;
            await entity.GracefulStop(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await system.Terminate();
            SqliteConnection.ClearAllPools();
        }
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Journal_replay_must_rebuild_the_position_the_live_entity_ended_with()
    {
        var (code, stdout, stderr) = Cli.Run("journal", "replay", "--journal", Journal, "--symbol", "XBTUSDTM", "--steps");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("order-placed", stdout, StringComparison.Ordinal);
        Assert.Contains("order-filled", stdout, StringComparison.Ordinal);
        var final = stdout.Split('\n').Single(l => l.StartsWith("final", StringComparison.Ordinal));
        var expected = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"position +{LiveState.Position.Lots} lots @ {LiveState.Position.AverageEntry}, realised {LiveState.Position.RealizedPnl}, fees {LiveState.Position.FeesPaid}");
        Assert.Contains(expected, final, StringComparison.Ordinal);
        Assert.Contains($"cash {LiveState.Cash.ToString(System.Globalization.CultureInfo.InvariantCulture)};", final, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_export_must_write_every_event_as_a_json_line_with_its_manifest()
    {
        var (code, stdout, stderr) = Cli.Run("journal", "export", "--journal", Journal, "--format", "jsonl");
        Assert.True(code == ExitCodes.Success, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(LiveState.EventCount, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("{\"persistenceId\":\"execution-XBTUSDTM\",\"sequenceNr\":", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"manifest\":\"execution.order-filled.v1\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Journal_verify_must_find_nothing_wrong_in_an_untouched_journal()
    {
        var (code, stdout, stderr) = Cli.Run("journal", "verify", "--journal", Journal);
        Assert.True(code == ExitCodes.Success, stdout + stderr);
        Assert.Contains("no anomaly", stdout, StringComparison.Ordinal);
    }
}

public sealed class SqliteJournalCommandSpecs : JournalCommandSpecs
{
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();

    protected override string Journal => _folder.File("journal.db");

    protected override Task<Config> JournalConfigAsync() => Task.FromResult(EnigmaConfig.SqliteJournal(Journal));

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void Journal_verify_must_name_a_tampered_fill_by_its_sequence_number()
    {
        // Someone makes a 3-lot fill read 30 lots: more than its order ever had.
        var changed = Execute("UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '\"lots\":3,', '\"lots\":30,') AS BLOB) WHERE manifest = 'execution.order-filled.v1'");
        Assert.Equal(1, changed);
        var sequenceNr = Scalar("SELECT sequence_number FROM journal WHERE manifest = 'execution.order-filled.v1'");

        var (code, stdout, _) = Cli.Run("journal", "verify", "--journal", Journal);
        Assert.Equal(JournalCommand.AnomaliesFound, code);
        Assert.Contains($"execution-XBTUSDTM #{sequenceNr}: execution.order-filled.v1 cannot be applied", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_verify_must_report_a_missing_row_and_an_unknown_event_version()
    {
        Execute("DELETE FROM journal WHERE sequence_number = 2");
        Execute("UPDATE journal SET manifest = 'execution.order-accepted.v9' WHERE sequence_number = 4");

        var (code, stdout, _) = Cli.Run("journal", "verify", "--journal", Journal);
        Assert.Equal(JournalCommand.AnomaliesFound, code);
        Assert.Contains("execution-XBTUSDTM #2: sequence number 2 is missing", stdout, StringComparison.Ordinal);
        Assert.Contains("execution-XBTUSDTM #4: cannot be read (execution.order-accepted.v9)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_commands_must_name_a_journal_that_is_not_there()
    {
        var (code, _, stderr) = Cli.Run("journal", "verify", "--journal", _folder.File("nowhere.db"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("No SQLite journal at", stderr, StringComparison.Ordinal);
        var (replayCode, _, replayError) = Cli.Run("journal", "replay", "--journal", Journal, "--symbol", "ETHUSDTM");
        Assert.Equal(ExitCodes.BadInput, replayCode);
        Assert.Contains("no events for ETHUSDTM", replayError, StringComparison.Ordinal);
    }

    private int Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Journal}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var changed = command.ExecuteNonQuery();
        SqliteConnection.ClearAllPools();
        return changed;
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Journal}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = (long)command.ExecuteScalar()!;
        SqliteConnection.ClearAllPools();
        return value;
    }
}

[Collection(PostgresDefinition.Name)]
public sealed class PostgreSqlJournalCommandSpecs(PostgresServer server) : JournalCommandSpecs
{
    private string? _connection;

    protected override string Journal => _connection!;

    protected override async Task<Config> JournalConfigAsync()
    {
        _connection = await server.CreateDatabaseAsync("journal_tools");
        return EnigmaConfig.Journal(_connection, EnigmaConfig.PostgresProvider);
    }
}
