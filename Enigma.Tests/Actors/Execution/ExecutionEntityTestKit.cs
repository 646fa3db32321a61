using Akka.Actor;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Execution;

/// <summary>
/// An Execution entity's world for a spec: a real SQLite journal in a folder of its own, the simulator on a stepped
/// clock, and the waits every spec of the entity needs.
/// </summary>
public abstract class ExecutionEntityTestKit : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    protected static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    protected static readonly ExecutionSettings Fast = new() { SnapshotEvery = 2, PollInterval = TimeSpan.FromMilliseconds(50), ReconcileRetry = TimeSpan.FromMilliseconds(200) };
    private readonly TemporaryFolder _folder;

    protected ExecutionEntityTestKit(string systemName)
        : this(TestFiles.TemporaryFolder(), systemName)
    {
    }

    private ExecutionEntityTestKit(TemporaryFolder folder, string systemName)
        : base(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db")), systemName)
    {
        _folder = folder;
    }

    internal SimulatorHarness Sim { get; private set; } = null!;

    public async Task InitializeAsync() => Sim = await SimulatorHarness.StartAsync();

    public virtual async Task DisposeAsync()
    {
        await Sim.DisposeAsync();

        // The entities write their journal into the folder: they stop before the folder goes.
        await Sys.Terminate();
        _folder.Dispose();
    }

    protected async Task<ExecutionStatus> StatusAsync(IActorRef entity) => await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromSeconds(5));

    protected async Task<ExecutionStatus> WaitForAsync(IActorRef entity, Func<ExecutionStatus, bool> condition, string what, int seconds = 15)
    {
        ExecutionStatus? last = null;
        await AwaitConditionAsync(async () => condition(last = await StatusAsync(entity)), TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(20), what);
        return last!;
    }

    protected async Task StopAsync(IActorRef entity)
    {
        Watch(entity);
        Sys.Stop(entity);
        await ExpectTerminatedAsync(entity);
    }

    /// <summary>A long of <paramref name="lots"/> entering at <paramref name="entryFactor"/> times the ask, stop 5% under, target 5% over (or at <paramref name="targetFactor"/> times the last price).</summary>
    protected async Task<SizedOrder> ApprovalAsync(decimal entryFactor, long lots = 2, decimal? targetFactor = null)
    {
        var ticker = await Sim.Client().GetTickerAsync(Xbt.Symbol);
        var entry = Xbt.FloorToTick(ticker.BestAsk * entryFactor);
        var target = targetFactor is { } t ? Xbt.FloorToTick(ticker.LastPrice * t) : Xbt.FloorToTick(entry * 1.05m);
        return new SizedOrder(Xbt.Symbol, Side.Long, lots, 5, entry, Xbt.CeilingToTick(entry * 0.95m), target, entry * 0.8m, entry * lots * Xbt.Multiplier / 5, 10, 1);
    }

    /// <summary>Steps the replay five minutes at a time until the account holds a position (at most a day).</summary>
    protected async Task StepUntilFilledAsync()
    {
        var client = Sim.Client();
        for (var i = 0; i < 288 && (await client.GetPositionAsync(Xbt.Symbol)).Lots == 0; i++)
        {
            Sim.Server.Step(TimeSpan.FromMinutes(5));
        }

        Assert.NotEqual(0, (await client.GetPositionAsync(Xbt.Symbol)).Lots);
    }
}
