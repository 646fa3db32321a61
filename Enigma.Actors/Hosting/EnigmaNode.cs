using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Enigma.Actors.Audit;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Notifications;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Actors.Signal;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Hosting;

/// <summary>What a node needs to run the agents: the exchange, the contracts it trades, and the settings.</summary>
public sealed record NodeServices(IExchangeGateway Exchange, IReadOnlyList<ContractSpec> Contracts, decimal StartingEquity)
{
    public ExecutionSettings Execution { get; init; } = new();

    public OrchestratorSettings Orchestrator { get; init; } = new();

    public RiskParameters Risk { get; init; } = RiskParameters.Default;

    public SignalParameters Signal { get; init; } = SignalParameters.Default;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The Audit agent's window on the exchange; without one the node runs no Audit agent (specs of other agents).</summary>
    public IAuditProbe? AuditProbe { get; init; }

    public AuditSettings Audit { get; init; } = new();

    /// <summary>The Optimizer agent's worker slots and job lease (on nodes with the <c>optimizer</c> role).</summary>
    public Optimization.OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>Where emergency stops are announced; without them (or without <see cref="Http"/>) nothing is sent.</summary>
    public NotificationSettings? Notifications { get; init; }

    public HttpClient? Http { get; init; }

    /// <summary>
    /// The agents this node carries (<see cref="NodeRoles"/>); null means every one (a single-node cluster). The node's
    /// <c>akka.cluster.roles</c> must name the same roles, since shards and singletons are placed by them.
    /// </summary>
    public IReadOnlySet<string>? Roles { get; init; }
}

/// <summary>The cluster roles, one per agent: shards and singletons run only on nodes with their role.</summary>
public static class NodeRoles
{
    public const string Orchestrator = "orchestrator";
    public const string Data = "data";
    public const string Signal = "signal";
    public const string Risk = "risk";
    public const string Execution = "execution";
    public const string Audit = "audit";
    public const string Optimizer = "optimizer";

    public static IReadOnlyList<string> All { get; } = [Orchestrator, Data, Signal, Risk, Execution, Audit, Optimizer];

    /// <summary>A comma-separated list (<c>signal,risk</c>; <c>all</c> for every role), each one checked.</summary>
    public static IReadOnlySet<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var roles = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()).ToList();
        if (roles.Count == 1 && roles[0] == "all")
        {
            return All.ToHashSet(StringComparer.Ordinal);
        }

        var unknown = roles.Where(r => !All.Contains(r)).ToList();
        if (roles.Count == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"unknown role(s) '{string.Join(", ", unknown)}': the roles are {string.Join(", ", All)} (or all).");
        }

        return roles.ToHashSet(StringComparer.Ordinal);
    }
}

/// <summary>The agents of one node, started: the shard regions per symbol, the portfolio, the orchestrator and the bus.</summary>
public sealed record EnigmaAgents(IActorRef Bus, IActorRef Orchestrator, IActorRef Portfolio, IActorRef SignalRegion, IActorRef RiskRegion, IActorRef ExecutionRegion)
{
    /// <summary>The Audit agent, when the node was given a probe.</summary>
    public IActorRef? Audit { get; init; }

    /// <summary>The Optimizer agent's coordinator (a proxy to the cluster singleton).</summary>
    public IActorRef? Optimizer { get; init; }
}

/// <summary>
/// Starts the agents on an ActorSystem that is a cluster member: Signal, Risk and Execution as sharded entities per
/// symbol (entity id = symbol), the shared risk portfolio, the orchestrator, and the routes of the seed's bus
/// (DistributedPubSub): <c>signal.generated</c> → Risk, <c>risk.approved</c> → Execution, <c>emergency.stop</c> → every
/// symbol's Execution (cancel working orders, close positions at market).
/// </summary>
public static class EnigmaNode
{
    public const int MaxShards = 30;

    private static readonly SymbolExtractor Extractor = new();

    /// <summary>The shard a symbol's entities belong to (the same for signal, risk and execution).</summary>
    public static string ShardOf(string symbol) => Extractor.ShardId(symbol);

    /// <summary>A single-process cluster on loopback (it joins itself), on top of <paramref name="journal"/>.</summary>
    public static Config SingleNodeCluster(Config journal) => ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        # One node carries every agent (NodeRoles): shards and singletons are placed by role.
        akka.cluster.roles = [orchestrator, data, signal, risk, execution, audit, optimizer]
        akka.cluster.sharding { state-store-mode = ddata, remember-entities = off }
        # Per-symbol entities hold live indicator state: they stay up rather than being passivated after 2 minutes idle.
        akka.cluster.sharding.passivate-idle-entity-after = off
        akka.loglevel = WARNING
        # The scheduler wakes every tick even when nothing is due; 10 ms (the default) costs CPU on an idle node for a
        # precision no timer here needs (the shortest are the 1 s polls and heartbeats).
        akka.scheduler.tick-duration = 50ms
        # The audit trail writes files: its own thread, so no agent ever waits for a disk.
        enigma.audit.trail-dispatcher { type = PinnedDispatcher, executor = thread-pool-executor }
        """).WithFallback(journal);

    /// <summary>
    /// A node of a multi-node cluster (<c>hocon/cluster.conf</c>: split-brain resolver, failure detector and sharding
    /// margins tuned for failover): its address, the seed nodes it joins (akka.tcp://enigma@host:port), its roles.
    /// </summary>
    public static Config ClusterNode(Config journal, string hostname, int port, IReadOnlyList<string> seeds, IReadOnlySet<string> roles)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(roles);
        var node = ConfigurationFactory.ParseString(string.Join('\n',
            $"akka.remote.dot-netty.tcp.hostname = {EnigmaConfig.HoconString(hostname)}",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.port = {port}"),
            $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(EnigmaConfig.HoconString))}]",
            $"akka.cluster.roles = [{string.Join(", ", roles.Order(StringComparer.Ordinal).Select(EnigmaConfig.HoconString))}]"));
        return node.WithFallback(EnigmaConfig.Shipped("cluster.conf")).WithFallback(journal);
    }

    /// <summary>
    /// Akka's log at INFO to <paramref name="path"/> through <see cref="FileLogger"/> (errors also on standard error),
    /// instead of everything on the console.
    /// </summary>
    public static Config FileLogging(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var logger = typeof(FileLogger).FullName + ", " + typeof(FileLogger).Assembly.GetName().Name;
        var file = path.Replace('\\', '/');
        return ConfigurationFactory.ParseString(
            "akka.loggers = [\"" + logger + "\"]\n" +
            "akka.loglevel = INFO\n" +
            "akka.stdout-loglevel = ERROR\n" +
            "enigma.log-file = \"" + file + "\"\n");
    }

    public static async Task<EnigmaAgents> StartAsync(ActorSystem system, NodeServices services)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(services);
        var contracts = services.Contracts.ToDictionary(c => c.Symbol, StringComparer.Ordinal);
        ContractSpec Contract(string symbol) => contracts.TryGetValue(symbol, out var c) ? c : throw new ArgumentException($"No contract for entity {symbol}.");

        var bus = DistributedPubSub.Get(system).Mediator;
        var sharding = ClusterSharding.Get(system);
        var extractor = Extractor;
        bool Carries(string role) => services.Roles is null || services.Roles.Contains(role);

        // A region where the node carries the role, a proxy (which only forwards) where it does not.
        async Task<IActorRef> Region(string role, Func<string, Props> entity)
        {
            var settings = ClusterShardingSettings.Create(system).WithRole(role);
            return Carries(role)
                ? await sharding.StartAsync(role, entity, settings, extractor).ConfigureAwait(false)
                : await sharding.StartProxyAsync(role, role, extractor).ConfigureAwait(false);
        }

        var portfolio = Singleton(system, "risk-portfolio", NodeRoles.Risk, Carries(NodeRoles.Risk), () => RiskPortfolioActor.Props(services.StartingEquity, services.Risk, bus, SystemState.Initializing));
        var signal = await Region(NodeRoles.Signal, symbol => SignalEntity.Props(symbol, bus, services.Signal, services.Time)).ConfigureAwait(false);
        var risk = await Region(NodeRoles.Risk, symbol => RiskEntity.Props(Contract(symbol), portfolio, bus, services.Time)).ConfigureAwait(false);
        var execution = await Region(NodeRoles.Execution, symbol => ExecutionEntity.Props(Contract(symbol), services.Exchange, services.Execution, services.Time, bus)).ConfigureAwait(false);
        var orchestrator = Singleton(system, "orchestrator", NodeRoles.Orchestrator, Carries(NodeRoles.Orchestrator), () => OrchestratorActor.Props(bus, services.Orchestrator, services.Time));
        orchestrator.Tell(new RegisterAgent(Agents.Risk + "-portfolio", portfolio));
        IActorRef? audit = null;
        if (services.AuditProbe is { } probe && Carries(NodeRoles.Audit))
        {
            audit = system.ActorOf(AuditAgent.Props(probe, portfolio, orchestrator, bus, services.StartingEquity, services.Risk, services.Audit, services.Time, execution, [.. contracts.Keys]), Agents.Audit);
            orchestrator.Tell(new RegisterAgent(Agents.Audit, audit));
        }

        if (services.Notifications is { } notifications && services.Http is { } http && Carries(NodeRoles.Orchestrator))
        {
            // One notifier in the cluster, beside the orchestrator: an emergency stop is announced once, not per node.
            var notifier = Singleton(system, "notifier", NodeRoles.Orchestrator, Carries(NodeRoles.Orchestrator), () => Notifier.Props(notifications, http, bus, services.Time));
            orchestrator.Tell(new RegisterAgent("notifier", notifier));
        }

        // Each route is the subscription of one agent kind: a singleton, so that with several nodes a message is handed
        // to its shard region once, not once per node. It runs on a node with the target's role.
        SingletonManager(system, "route-signals-to-risk", NodeRoles.Risk, Carries(NodeRoles.Risk),
            () => TopicRouter.Props(bus, Topics.SignalGenerated, risk, m => m is AgentEnvelope<SignalOutput> e ? [(e.Payload.Symbol, e)] : []));
        SingletonManager(system, "route-approvals-to-execution", NodeRoles.Execution, Carries(NodeRoles.Execution),
            () => TopicRouter.Props(bus, Topics.RiskApproved, execution, m => m is AgentEnvelope<RiskApproved> e ? [(e.Payload.Order.Symbol, new PlaceApprovedOrder(e.Payload.Order, e.Payload.DecisionTimeMs))] : []));
        SingletonManager(system, "route-emergency-to-execution", NodeRoles.Execution, Carries(NodeRoles.Execution),
            () => TopicRouter.Props(bus, Topics.EmergencyStop, execution, m => m is AgentEnvelope<EmergencyStopped> e
                ? contracts.Keys.Select(symbol => (symbol, (object)new EmergencyClose(symbol, $"{e.Payload.Trigger}: {e.Payload.Detail}")))
                : []));
        // The Optimizer agent: one coordinator in the cluster, a worker on every node with the role pulling its jobs.
        var optimizer = Singleton(system, "optimizer", NodeRoles.Optimizer, Carries(NodeRoles.Optimizer), () => Optimization.OptimizerCoordinator.Props(bus, services.Optimizer, services.Time));
        if (Carries(NodeRoles.Optimizer))
        {
            var worker = system.ActorOf(Optimization.OptimizerWorker.Props(optimizer, bus, services.Optimizer.WorkerSlots), "optimizer-worker");
            orchestrator.Tell(new RegisterAgent(Agents.Optimizer, worker));
        }

        // The seed's DEPLOY step on a running cluster: new versions in the knowledge bank, applied at safe points.
        if (services.Optimizer.ModelWeights is { } weights)
        {
            SingletonManager(system, "parameter-deployer", NodeRoles.Orchestrator, Carries(NodeRoles.Orchestrator),
                () => Optimization.ParameterDeployer.Props(weights, [.. contracts.Keys], portfolio, signal, bus, services.Signal, services.Risk, services.Optimizer.DeployPollInterval, services.Time));
        }

        return new EnigmaAgents(bus, orchestrator, portfolio, signal, risk, execution) { Audit = audit, Optimizer = optimizer };
    }

    /// <summary>
    /// One instance in the whole cluster (the oldest node runs it, a survivor takes over), reached from every node
    /// through a proxy that buffers while it moves: the orchestrator and the risk portfolio, which must each see
    /// everything to decide (the state machine; the exposure budget across all symbols).
    /// </summary>
    private static IActorRef Singleton(ActorSystem system, string name, string role, bool carried, Func<Props> props)
    {
        SingletonManager(system, name, role, carried, props);
        return system.ActorOf(ClusterSingletonProxy.Props("/user/" + name, ClusterSingletonProxySettings.Create(system).WithRole(role)), name + "-proxy");
    }

    /// <summary>A singleton nobody sends to (a route): its manager only, on the nodes that may run it.</summary>
    private static void SingletonManager(ActorSystem system, string name, string role, bool carried, Func<Props> props)
    {
        if (carried)
        {
            system.ActorOf(ClusterSingletonManager.Props(props(), PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(role)), name);
        }
    }

    /// <summary>
    /// Waits until this node's bus knows a subscriber of every topic that a route hands to a shard region
    /// (<c>signal.generated</c>, <c>risk.approved</c>, <c>emergency.stop</c>). The routes are singletons, started once
    /// the cluster is up, and on another node their subscriptions arrive here by gossip: a message published before
    /// that finds no one. Part of the startup sequence, before READY.
    /// </summary>
    public static async Task WaitForRoutesAsync(EnigmaAgents agents, TimeSpan within, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var deadline = DateTimeOffset.UtcNow + within;
        string[] routed = [Topics.SignalGenerated, Topics.RiskApproved, Topics.EmergencyStop];
        while (true)
        {
            // The topics the local mediator knows a subscription to, on any node; each route also subscribes to a
            // marker topic of its own (Akka.NET 1.5.73 keeps its subscriber count internal).
            var known = await agents.Bus.Ask<CurrentTopics>(GetTopics.Instance, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            var missing = routed.Where(t => !known.Topics.Contains(TopicRouter.MarkerOf(t))).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"no route subscribed to {string.Join(", ", missing)} within {within.TotalSeconds:F0} s: is a node with the role up?");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Startup step 7 (risk: load position state, calculate exposure): waits until every symbol's Execution entity has
    /// recovered and reconciled, then hands the positions it holds to the risk portfolio, so that exposure counts them
    /// and no second position opens on a symbol that still has one, and the losing streak their journals show across
    /// all symbols. Returns each symbol's status.
    /// </summary>
    public static async Task<IReadOnlyList<ExecutionStatus>> RecoverPositionsAsync(EnigmaAgents agents, IEnumerable<ContractSpec> contracts, RiskParameters risk, TimeSpan within, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentNullException.ThrowIfNull(risk);
        var deadline = DateTimeOffset.UtcNow + within;
        var statuses = new List<ExecutionStatus>();
        foreach (var contract in contracts)
        {
            var status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(contract.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            while (status.Phase is ExecutionPhase.Recovering or ExecutionPhase.Reconciling && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(contract.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            }

            var position = status.State.Position;
            if (position.Side is { } side)
            {
                // The journal does not keep the leverage a position was opened with; the default leverage is what
                // risk sizes with, so it is the margin the budget reserved.
                var margin = contract.Margin(position.Lots, position.AverageEntry, risk.DefaultLeverage);
                agents.Portfolio.Tell(new PositionRecovered(new OpenPosition(contract.Symbol, side, margin, [])));
            }

            statuses.Add(status);
        }

        agents.Portfolio.Tell(new LosingStreakRecovered(LosingStreak.Of(statuses.SelectMany(s => s.State.RecentRoundTrips))));
        return statuses;
    }

    /// <summary>
    /// Every sharded message travels in a <see cref="ShardingEnvelope"/> whose entity id is the symbol; the region
    /// unwraps those itself, so anything that reaches this method is not addressed to an entity and is dropped.
    /// </summary>
    private sealed class SymbolExtractor() : HashCodeMessageExtractor(MaxShards)
    {
        public override string EntityId(object message) => null!;
    }
}
