using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Risk;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Tests.Exchange.Simulator;
using Enigma.Tests.Support;
using Xunit.Abstractions;

namespace Enigma.Tests.Cluster;

/// <summary>
/// Three nodes in one process with <c>hocon/cluster.conf</c> (keep-majority, the tuned failure detector and margins)
/// on a shared PostgreSQL journal: the node hosting a symbol's Execution entity with an open position dies without
/// leaving; the survivors down it, the entity comes back on the other execution node from the journal, reconciles
/// with the exchange, and holds the same position, with no order placed twice.
/// </summary>
[Collection(PostgresDefinition.Name)]
public sealed class FailoverSpecs(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private readonly List<ActorSystem> _systems = [];
    private SimulatorHarness _sim = null!;
    private Config _journal = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        _journal = EnigmaConfig.Journal(await postgres.CreateDatabaseAsync("failover"), EnigmaConfig.PostgresProvider);
        await JournalSchema.EnsureAsync(_journal);
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_systems.Select(s => s.Terminate()));
        await _sim.DisposeAsync();
    }

    private async Task<(ActorSystem System, EnigmaAgents Agents)> StartNodeAsync(string roles, IReadOnlyList<string> seeds)
    {
        // A crash, not a leave: when this system is stopped it does not run the coordinated shutdown (no hand-over).
        var crashable = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off");
        var config = crashable.WithFallback(EnigmaNode.ClusterNode(_journal, "127.0.0.1", 0, seeds, NodeRoles.Parse(roles)));
        var system = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(config));
        _systems.Add(system);
        if (seeds.Count == 0)
        {
            await Akka.Cluster.Cluster.Get(system).JoinAsync(Akka.Cluster.Cluster.Get(system).SelfAddress);
        }

        var agents = await EnigmaNode.StartAsync(system, new NodeServices(new KuCoinExchangeGateway(_sim.Client()), [Xbt], 10_000m)
        {
            Execution = new ExecutionSettings { PollInterval = TimeSpan.FromMilliseconds(100) },
            Roles = NodeRoles.Parse(roles),
        });
        return (system, agents);
    }

    [Fact]
    public async Task A_crashed_execution_node_must_hand_its_symbol_to_the_survivor_with_the_position_recovered_and_no_order_twice()
    {
        var (first, front) = await StartNodeAsync("orchestrator,signal,risk", []);
        var seed = Akka.Cluster.Cluster.Get(first).SelfAddress.ToString();
        var (b, atB) = await StartNodeAsync("execution", [seed]);
        var (c, atC) = await StartNodeAsync("execution", [seed]);
        await Poll.UntilAsync(() => Akka.Cluster.Cluster.Get(first).State.Members.Count(m => m.Status == MemberStatus.Up) == 3, "three nodes are up");

        async Task<ExecutionStatus> Status() => await front.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(Xbt.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(async () => (await Status()).Phase == ExecutionPhase.Ready, "the entity reconciled");

        var ticker = await _sim.Client().GetTickerAsync(Xbt.Symbol);
        var entry = Xbt.FloorToTick(ticker.BestAsk * 1.001m);
        var approval = new SizedOrder(Xbt.Symbol, Side.Long, 2, 5, entry, Xbt.CeilingToTick(entry * 0.95m), Xbt.FloorToTick(entry * 1.05m), entry * 0.8m, entry * 2 * Xbt.Multiplier / 5, 10, 1);
        var approved = AgentEnvelope.Event(Agents.Risk, Topics.RiskApproved, new RiskApproved(approval, 1_751_562_300_000, 90), 1_751_562_300_000);
        await EnigmaNode.WaitForRoutesAsync(front, TimeSpan.FromSeconds(30), CancellationToken.None);
        front.Bus.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(Topics.RiskApproved, approved));
        await Poll.UntilAsync(async () => (await Status()).State.Position.Lots == 2, "the entry filled");
        var before = await Status();

        // Which execution node hosts the symbol: that one crashes.
        var onB = await atB.ExecutionRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        var victim = onB.Shards.Any(s => s.EntityIds.Contains(Xbt.Symbol)) ? b : c;
        var crashedAt = Stopwatch.GetTimestamp();
        await victim.Terminate();

        ExecutionStatus after = null!;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                after = await Status();
                return after.Phase == ExecutionPhase.Ready && after.Reconciliations > 0;
            }
            catch (AskTimeoutException)
            {
                return false; // the shard is between homes
            }
        }, "the symbol is back on the surviving execution node", TimeSpan.FromSeconds(60));
        output.WriteLine($"failover: {Stopwatch.GetElapsedTime(crashedAt).TotalSeconds:F1} s from the crash to the entity answering, recovered and reconciled");

        var survivor = victim == b ? atC : atB;
        var onSurvivor = await survivor.ExecutionRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        Assert.Contains(onSurvivor.Shards, s => s.EntityIds.Contains(Xbt.Symbol));
        Assert.Equal(before.State.Position, after.State.Position);
        Assert.Equal(before.State.Orders.Keys.Order(StringComparer.Ordinal), after.State.Orders.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, (await _sim.Client().GetPositionAsync(Xbt.Symbol)).Lots);
        var working = (await _sim.Client().GetOpenOrdersAsync(Xbt.Symbol)).Count + (await _sim.Client().GetStopOrdersAsync(Xbt.Symbol)).Count;
        Assert.Equal(2, working); // the stop and the target, once each
    }
}
