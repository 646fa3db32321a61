using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Tests.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Cluster;

/// <summary>
/// Two cluster nodes in one process (real remoting on loopback) sharing a PostgreSQL journal: the first carries the
/// orchestrator, signal and risk, the second only execution. What crosses between them goes through our message
/// serializer: an approval published on the first node is placed by the Execution entity that lives on the second,
/// and its status is asked for from the first.
/// </summary>
[Collection(PostgresDefinition.Name)]
public sealed class TwoNodeSpecs(PostgresServer postgres) : IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private SimulatorHarness _sim = null!;
    private ActorSystem _first = null!;
    private ActorSystem _second = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        var journal = EnigmaConfig.Journal(await postgres.CreateDatabaseAsync("two_nodes"), EnigmaConfig.PostgresProvider);
        await JournalSchema.EnsureAsync(journal);
        _first = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(Node(journal, "orchestrator, signal, risk")));
        _second = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(Node(journal, "execution")));
        var seed = Akka.Cluster.Cluster.Get(_first).SelfAddress;
        await Akka.Cluster.Cluster.Get(_first).JoinAsync(seed);
        await Akka.Cluster.Cluster.Get(_second).JoinAsync(seed);
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_second.Terminate(), _first.Terminate());
        await _sim.DisposeAsync();
    }

    private static Config Node(Config journal, string roles) =>
        ConfigurationFactory.ParseString($"akka.cluster.roles = [{roles}]").WithFallback(EnigmaNode.SingleNodeCluster(journal));

    [Fact]
    public async Task An_approval_published_on_one_node_must_be_placed_by_the_execution_entity_on_the_other()
    {
        var services = new NodeServices(new KuCoinExchangeGateway(_sim.Client()), [Xbt], 10_000m)
        {
            Execution = new ExecutionSettings { PollInterval = TimeSpan.FromMilliseconds(50) },
        };
        var first = await EnigmaNode.StartAsync(_first, services with { Roles = NodeRoles.Parse("orchestrator,signal,risk") });
        var second = await EnigmaNode.StartAsync(_second, services with { Roles = NodeRoles.Parse("execution") });
        await Poll.UntilAsync(() => Akka.Cluster.Cluster.Get(_first).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes are up");

        // Asked from the first node, answered by the entity on the second: the status crosses the wire.
        ExecutionStatus status = null!;
        await Poll.UntilAsync(async () => (status = await first.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).Phase == ExecutionPhase.Ready, "the entity reconciled");

        var ticker = await _sim.Client().GetTickerAsync(Xbt.Symbol);
        var entry = Xbt.FloorToTick(ticker.BestAsk * 1.001m);
        var approval = new SizedOrder(Xbt.Symbol, Side.Long, 2, 5, entry, Xbt.CeilingToTick(entry * 0.95m), Xbt.FloorToTick(entry * 1.05m), entry * 0.8m, entry * 2 * Xbt.Multiplier / 5, 10, 1);
        var approved = AgentEnvelope.Event(Agents.Risk, Topics.RiskApproved, new RiskApproved(approval, 1_751_562_300_000, 90), 1_751_562_300_000);
        await EnigmaNode.WaitForRoutesAsync(first, TimeSpan.FromSeconds(30), CancellationToken.None);
        first.Bus.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(Topics.RiskApproved, approved));
        await Poll.UntilAsync(async () => (await first.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).State.Orders.Count == 3, "the approval reached the entity");

        await Poll.UntilAsync(async () => (status = await first.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).State.Position.Lots == 2, "the entry filled");
        Assert.Equal(3, status.State.Orders.Count);
        Assert.Equal(2, (await _sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);
        Assert.Equal(3, (await _sim.Client().GetOpenOrdersAsync(Xbt.Symbol)).Count + (await _sim.Client().GetStopOrdersAsync(Xbt.Symbol)).Count + 1); // the entry filled; its stop and target wait

        // The entity lives where the execution role is, and only there.
        var onSecond = await second.ExecutionRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        Assert.Contains(onSecond.Shards, s => s.EntityIds.Contains(Xbt.Symbol));

        // The orchestrator singleton runs on the first node and answers the second through its proxy.
        var state = await second.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(10));
        Assert.Equal(SystemState.Initializing, state.State);
    }
}
