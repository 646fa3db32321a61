using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Tests.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Journal;

/// <summary>
/// What the product needs from a journal, run on each database it supports (one subclass per provider, as
/// Akka.Persistence.Sql organises its own specs): the Execution entity rebuilds its orders and position after a
/// restart, from events and snapshots; the orchestrator's state survives; events are found by tag.
/// </summary>
public abstract class JournalProviderSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private static readonly ExecutionSettings Fast = new() { SnapshotEvery = 2, PollInterval = TimeSpan.FromMilliseconds(50), ReconcileRetry = TimeSpan.FromMilliseconds(200) };
    private SimulatorHarness _sim = null!;

    protected JournalProviderSpecs(Config journal, string name)
        : base(journal.WithFallback("akka.loglevel = WARNING"), name)
    {
    }

    public async Task InitializeAsync() => _sim = await SimulatorHarness.StartAsync();

    public virtual async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await Sys.Terminate();
    }

    [Fact]
    public async Task Execution_entity_must_rebuild_orders_and_position_after_restart()
    {
        var entity = Sys.ActorOf(ExecutionEntity.Props(Xbt, new KuCoinExchangeGateway(_sim.Client()), Fast));
        await WaitForAsync(entity, s => s.Phase == ExecutionPhase.Ready, "ready");
        var ticker = await _sim.Client().GetTickerAsync(Xbt.Symbol);
        var entry = Xbt.FloorToTick(ticker.BestAsk * 1.001m);
        var approval = new SizedOrder(Xbt.Symbol, Side.Long, 3, 5, entry, Xbt.CeilingToTick(entry * 0.95m), Xbt.FloorToTick(entry * 1.05m), entry * 0.8m, entry * 3 * Xbt.Multiplier / 5, 10, 1);
        var placed = await entity.Ask<OrderPlacementResult>(new PlaceApprovedOrder(approval, 1_751_562_300_000), TimeSpan.FromSeconds(10));
        Assert.Equal(PlacementStatus.Accepted, placed.Status);
        var filled = await WaitForAsync(entity, s => s.State.Position.Lots == 3, "the entry filled");

        Watch(entity);
        Sys.Stop(entity);
        await ExpectTerminatedAsync(entity);
        var restarted = Sys.ActorOf(ExecutionEntity.Props(Xbt, new KuCoinExchangeGateway(_sim.Client()), Fast));
        var rebuilt = await WaitForAsync(restarted, s => s.Phase == ExecutionPhase.Ready, "the restarted entity reconciled");
        Assert.Equal(filled.State.Position, rebuilt.State.Position);
        Assert.Equal(filled.State.Cash, rebuilt.State.Cash);
        Assert.Equal(filled.State.Orders.Keys.Order(StringComparer.Ordinal), rebuilt.State.Orders.Keys.Order(StringComparer.Ordinal));

        var journal = PersistenceQuery.Get(Sys).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId("execution-XBTUSDTM", 0, long.MaxValue).RunAsAsyncEnumerable(Sys.Materializer()).ToListAsync();
        Assert.Equal(ExecutionLedger.Replay(ExecutionState.Start(Xbt, 0), events.Select(e => (ExecutionEvent)e.Event)).Position, rebuilt.State.Position);
        var fills = await journal.CurrentEventsByTag("kind:order-filled", Offset.NoOffset()).RunAsAsyncEnumerable(Sys.Materializer()).ToListAsync();
        Assert.Equal(3, fills.Sum(f => ((OrderFilled)f.Event).Lots));
    }

    [Fact]
    public async Task Orchestrator_must_come_back_in_emergency_stop_with_its_history()
    {
        var bus = CreateTestProbe().Ref;
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(bus), "orchestrator");
        await orchestrator.Ask<TransitionAccepted>(new RequestTransition(SystemState.Ready, "spec"), TimeSpan.FromSeconds(10));
        await orchestrator.Ask<TransitionAccepted>(new RequestTransition(SystemState.Trading, "spec"), TimeSpan.FromSeconds(10));
        await orchestrator.Ask<TransitionAccepted>(new TriggerEmergencyStop(EmergencyTrigger.Manual, "spec"), TimeSpan.FromSeconds(10));
        Watch(orchestrator);
        Sys.Stop(orchestrator);
        await ExpectTerminatedAsync(orchestrator);

        // A restart begins at INITIALIZING, except after an emergency stop, which only a manual resume leaves.
        var again = Sys.ActorOf(OrchestratorActor.Props(bus), "orchestrator-again");
        var status = await again.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(10));
        Assert.Equal(SystemState.EmergencyStop, status.State);
        Assert.Equal([SystemState.Ready, SystemState.Trading, SystemState.EmergencyStop], status.History.Select(h => h.To));
    }

    private async Task<ExecutionStatus> WaitForAsync(IActorRef entity, Func<ExecutionStatus, bool> condition, string what)
    {
        ExecutionStatus? last = null;
        await AwaitConditionAsync(async () => condition(last = await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromSeconds(5))), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(20), what);
        return last!;
    }
}

/// <summary>The single-node default: an SQLite file in WAL mode.</summary>
public sealed class SqliteJournalSpecs : JournalProviderSpecs
{
    private readonly TemporaryFolder _folder;

    public SqliteJournalSpecs()
        : this(TestFiles.TemporaryFolder())
    {
    }

    private SqliteJournalSpecs(TemporaryFolder folder)
        : base(EnigmaConfig.SqliteJournal(folder.File("journal.db")), "sqlite-journal-specs") => _folder = folder;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}

/// <summary>The shared journal of a multi-node cluster: a private PostgreSQL server, a database per spec.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class PostgreSqlJournalSpecs(PostgresServer server)
    : JournalProviderSpecs(EnigmaConfig.Journal(server.CreateDatabaseAsync("journal").GetAwaiter().GetResult(), EnigmaConfig.PostgresProvider), "postgresql-journal-specs");
