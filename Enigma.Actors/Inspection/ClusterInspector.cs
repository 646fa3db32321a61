using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;

namespace Enigma.Actors.Inspection;

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Self);

/// <summary>What <c>enigma cluster show</c> prints: the members as this node sees them.</summary>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<string> Unreachable);

/// <summary>One shard of a region: its id, how many entities it runs, and which of the traded symbols it holds.</summary>
public sealed record ShardView(string Shard, int Entities, IReadOnlyList<string> Symbols);

/// <summary>The shards of one entity type (signal, risk, execution) on one node.</summary>
public sealed record RegionView(string Type, string Node, IReadOnlyList<ShardView> Shards);

public sealed record ShardsView(IReadOnlyList<RegionView> Regions, IReadOnlyList<string> Problems);

/// <summary>Where a symbol's entity of one type lives; <see cref="Node"/> is null while its shard is not allocated.</summary>
public sealed record SymbolPlacement(string Symbol, string Type, string Shard, string? Node);

public sealed record PositionView(string Symbol, string Phase, long Lots, decimal AverageEntry, decimal RealizedPnl, decimal FeesPaid, int WorkingOrders, long Events, string? ClosedReason, string? Node);

/// <summary>A symbol's Signal agent: the candles it has seen since it started, and its latest score (null before one).</summary>
public sealed record SignalView(string Symbol, int CandlesSeen, double? Score, string? Direction);

public sealed record TransitionView(string From, string To, string Reason, long AtMs);

/// <summary>What <c>enigma status</c> prints: the orchestrator's state, each symbol's position, the portfolio.</summary>
public sealed record StatusView(string State, IReadOnlyList<TransitionView> History, IReadOnlyList<PositionView> Positions, IReadOnlyList<SignalView> Signals, decimal? Equity, int? ConsecutiveLosses, decimal RealizedPnl, IReadOnlyList<string> Problems)
{
    /// <summary>The limits the risk gate decides with, as the portfolio holds them (null when it did not answer).</summary>
    public Domain.Risk.RiskParameters? Limits { get; init; }
}

public sealed record AgentView(string Name, string Address, bool Healthy, int Restarts, long LastHeartbeatMs, long RegisteredAtMs);

/// <summary>The answer to a command that changes something: done or refused, and why.</summary>
public sealed record CommandOutcome(bool Done, string Message);

/// <summary>
/// A node's view of the cluster for the admin API: members, shards, agents, positions; and the operator's commands
/// (leave, down, emergency stop, pause, resume). Everything goes through the node's own regions and singleton proxies,
/// so any node answers for the whole cluster.
/// </summary>
public sealed class ClusterInspector(ActorSystem system, EnigmaAgents agents, IReadOnlyList<string> symbols)
{
    public static readonly IReadOnlyList<string> EntityTypes = [NodeRoles.Signal, NodeRoles.Risk, NodeRoles.Execution];
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(system);

    public IReadOnlyList<string> Symbols => symbols;

    /// <summary>This node is a member that is Up (readiness).</summary>
    public bool IsUp => _cluster.SelfMember.Status == MemberStatus.Up;

    public ClusterView Cluster()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], !unreachable.Contains(m.Address), m.Address == _cluster.SelfAddress))
            .ToList();
        return new ClusterView(_cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, [.. unreachable.Select(a => a.ToString()).Order(StringComparer.Ordinal)]);
    }

    public async Task<ShardsView> ShardsAsync(string? type, CancellationToken cancellationToken)
    {
        var regions = new List<RegionView>();
        var problems = new List<string>();
        foreach (var entityType in TypesOrAll(type))
        {
            try
            {
                var stats = await StatsAsync(entityType, cancellationToken).ConfigureAwait(false);
                foreach (var (address, region) in stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal))
                {
                    var shards = region.Stats.OrderBy(s => s.Key, StringComparer.Ordinal)
                        .Select(s => new ShardView(s.Key, s.Value, [.. symbols.Where(symbol => EnigmaNode.ShardOf(symbol) == s.Key)]))
                        .ToList();
                    regions.Add(new RegionView(entityType, Node(address), shards));
                }
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                problems.Add($"{entityType}: no answer from the shard coordinator within {AskTimeout.TotalSeconds:0} s");
            }
        }

        return new ShardsView(regions, problems);
    }

    /// <summary>Where <paramref name="symbol"/>'s signal, risk and execution entities run.</summary>
    public async Task<IReadOnlyList<SymbolPlacement>> WhereAsync(string symbol, CancellationToken cancellationToken)
    {
        var shard = EnigmaNode.ShardOf(symbol);
        var placements = new List<SymbolPlacement>();
        foreach (var entityType in EntityTypes)
        {
            var stats = await StatsAsync(entityType, cancellationToken).ConfigureAwait(false);
            var host = stats.Regions.FirstOrDefault(r => r.Value.Stats.ContainsKey(shard));
            placements.Add(new SymbolPlacement(symbol, entityType, shard, host.Value is null ? null : Node(host.Key)));
        }

        return placements;
    }

    public async Task<IReadOnlyList<AgentView>> AgentsAsync(CancellationToken cancellationToken)
    {
        var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
        return [.. status.Agents.Select(a => new AgentView(a.Name, a.Address, a.Healthy, a.Restarts, a.LastHeartbeatMs, a.RegisteredAtMs))];
    }

    public async Task<StatusView> StatusAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var system = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
        var placements = await ExecutionNodesAsync(cancellationToken).ConfigureAwait(false);
        // Asked together: an entity between two nodes holds up only its own answer.
        var answers = await Task.WhenAll(symbols.Select(async symbol =>
        {
            try
            {
                var status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(symbol, GetExecutionStatus.Instance), AskTimeout, cancellationToken).ConfigureAwait(false);
                var position = status.State.Position;
                return (View: new PositionView(symbol, status.Phase.ToString(), position.Lots, position.AverageEntry, position.RealizedPnl, position.FeesPaid,
                    status.State.Orders.Values.Count(o => !o.IsFinal), status.State.EventCount, status.ClosedReason, placements.GetValueOrDefault(symbol)), Problem: (string?)null);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return (View: (PositionView?)null, Problem: $"{symbol}: its Execution entity did not answer within {AskTimeout.TotalSeconds:0} s (being moved to another node?)");
            }
        })).ConfigureAwait(false);
        var positions = answers.Where(a => a.View is not null).Select(a => a.View!).ToList();
        problems.AddRange(answers.Where(a => a.Problem is not null).Select(a => a.Problem!));

        var signals = (await Task.WhenAll(symbols.Select(async symbol =>
        {
            try
            {
                var latest = await agents.SignalRegion.Ask<Signal.LatestSignal>(new ShardingEnvelope(symbol, new Signal.GetLatestSignal(symbol)), AskTimeout, cancellationToken).ConfigureAwait(false);
                return new SignalView(symbol, latest.CandlesSeen, latest.Output?.Score, latest.Output?.Direction.ToString());
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        })).ConfigureAwait(false)).OfType<SignalView>().ToList();

        PortfolioView? portfolio = null;
        Risk.RiskLimits? limits = null;
        try
        {
            portfolio = await agents.Portfolio.Ask<PortfolioView>(Risk.GetPortfolioView.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
            limits = await agents.Portfolio.Ask<Risk.RiskLimits>(Risk.GetRiskLimits.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            problems.Add("the risk portfolio did not answer");
        }

        return new StatusView(
            TransitionResult.Name(system.State),
            [.. system.History.TakeLast(5).Select(h => new TransitionView(TransitionResult.Name(h.From), TransitionResult.Name(h.To), h.Reason, h.AtMs))],
            positions,
            signals,
            portfolio?.Equity,
            portfolio?.ConsecutiveLosses,
            positions.Sum(p => p.RealizedPnl),
            problems)
        {
            Limits = limits?.Parameters,
        };
    }

    /// <summary>Asks the member at <paramref name="address"/> to leave: its shards and singletons are handed over first.</summary>
    public CommandOutcome Leave(string address) => WithMember(address, member =>
    {
        _cluster.Leave(member.Address);
        return new CommandOutcome(true, $"{member.Address} is leaving: its shards move to the other nodes, then it stops");
    });

    /// <summary>Marks the member at <paramref name="address"/> down (for a node known dead): its shards re-home at once.</summary>
    public CommandOutcome Down(string address) => WithMember(address, member =>
    {
        _cluster.Down(member.Address);
        return new CommandOutcome(true, $"{member.Address} is marked down: its shards re-home on the survivors");
    });

    public async Task<CommandOutcome> EmergencyStopAsync(string reason, CancellationToken cancellationToken)
    {
        var reply = await agents.Orchestrator.Ask<object>(new TriggerEmergencyStop(EmergencyTrigger.Manual, reason), AskTimeout, cancellationToken).ConfigureAwait(false);
        return Outcome(reply, "EMERGENCY_STOP: working orders cancelled and positions closed at market; resume by hand (enigma resume)");
    }

    public async Task<CommandOutcome> PauseAsync(string reason, CancellationToken cancellationToken)
    {
        var reply = await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Paused, reason), AskTimeout, cancellationToken).ConfigureAwait(false);
        return Outcome(reply, "PAUSED: no new entries; open positions keep their stops");
    }

    /// <summary>PAUSED → TRADING; after an emergency stop, the manual resume to READY and then TRADING.</summary>
    public async Task<CommandOutcome> ResumeAsync(string who, CancellationToken cancellationToken)
    {
        var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
        if (status.State == SystemState.EmergencyStop)
        {
            var resumed = Outcome(await agents.Orchestrator.Ask<object>(new ResumeAfterEmergency(who), AskTimeout, cancellationToken).ConfigureAwait(false), "READY");
            if (!resumed.Done)
            {
                return resumed;
            }
        }

        var reply = await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, $"resumed by {who}"), AskTimeout, cancellationToken).ConfigureAwait(false);
        return Outcome(reply, "TRADING");
    }

    private static CommandOutcome Outcome(object reply, string done) => reply switch
    {
        TransitionRefused refused => new CommandOutcome(false, refused.Reason),
        _ => new CommandOutcome(true, done),
    };

    private CommandOutcome WithMember(string address, Func<Member, CommandOutcome> act)
    {
        var known = _cluster.State.Members.Concat(_cluster.State.Unreachable).FirstOrDefault(m => string.Equals(m.Address.ToString(), address.Trim(), StringComparison.Ordinal));
        return known is null
            ? new CommandOutcome(false, $"'{address}' is not a member of this cluster; the members are {string.Join(", ", _cluster.State.Members.Select(m => m.Address))}")
            : act(known);
    }

    private static IEnumerable<string> TypesOrAll(string? type) =>
        string.IsNullOrWhiteSpace(type) ? EntityTypes
        : EntityTypes.Contains(type.Trim().ToLowerInvariant()) ? [type.Trim().ToLowerInvariant()]
        : throw new ArgumentException($"'{type}' is not a shard type; the types are {string.Join(", ", EntityTypes)}.");

    private Task<ClusterShardingStats> StatsAsync(string entityType, CancellationToken cancellationToken)
    {
        var region = entityType switch
        {
            NodeRoles.Signal => agents.SignalRegion,
            NodeRoles.Risk => agents.RiskRegion,
            _ => agents.ExecutionRegion,
        };
        return region.Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout - TimeSpan.FromSeconds(1)), AskTimeout, cancellationToken);
    }

    private async Task<Dictionary<string, string>> ExecutionNodesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stats = await StatsAsync(NodeRoles.Execution, cancellationToken).ConfigureAwait(false);
            return symbols
                .Select(s => (Symbol: s, Host: stats.Regions.FirstOrDefault(r => r.Value.Stats.ContainsKey(EnigmaNode.ShardOf(s)))))
                .Where(p => p.Host.Value is not null)
                .ToDictionary(p => p.Symbol, p => Node(p.Host.Key), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
    }

    // The local region reports itself with a local address (akka://enigma): name it as the cluster does.
    private string Node(Address address) => (address.HasLocalScope ? _cluster.SelfAddress : address).ToString();

    /// <summary>For messages: a unix time in milliseconds as an ISO time.</summary>
    public static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Hands a batch of backtest jobs to the Optimizer agent's coordinator, in parts that each fit a remoting frame.</summary>
    public async Task<Optimization.WorkAccepted> SubmitWorkAsync(Optimization.SubmitWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        Optimization.WorkAccepted? accepted = null;
        for (var offset = 0; offset == 0 || offset < work.Items.Count; offset += Optimization.SubmitWork.PartSize)
        {
            var part = work.Items.Skip(offset).Take(Optimization.SubmitWork.PartSize).ToList();
            accepted = await OptimizerRef.Ask<Optimization.WorkAccepted>(new Optimization.SubmitWork(work.Study, part, accepted?.BatchId, offset), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (accepted.Error is { } error)
            {
                throw new InvalidOperationException(error);
            }
        }

        return accepted!;
    }

    /// <summary>A batch's outcomes from index <paramref name="from"/> on.</summary>
    public Task<Optimization.BatchOutcomes> FetchOutcomesAsync(string batchId, int from, CancellationToken cancellationToken) =>
        OptimizerRef.Ask<Optimization.BatchOutcomes>(new Optimization.FetchOutcomes(batchId, from), TimeSpan.FromSeconds(10), cancellationToken);

    public void CancelWork(string batchId) => OptimizerRef.Tell(new Optimization.CancelWork(batchId));

    public Task<Optimization.OptimizerStatus> OptimizerStatusAsync(CancellationToken cancellationToken) =>
        OptimizerRef.Ask<Optimization.OptimizerStatus>(Optimization.GetOptimizerStatus.Instance, TimeSpan.FromSeconds(5), cancellationToken);

    private IActorRef OptimizerRef => agents.Optimizer ?? throw new InvalidOperationException("this node runs no Optimizer agent coordinator proxy.");
}
