using Enigma.Actors.Serialization;
using Enigma.Domain.Orchestration;

namespace Enigma.Actors.Messaging;

/// <summary>The seed's message kinds.</summary>
public enum MessageKind
{
    Request,
    Response,
    Event,
    Command,
}

/// <summary>
/// Every inter-agent message, with the seed's fields (AgentMessage): id, from, to, kind, action, a typed payload,
/// the time, the correlation id that pairs a response with its request, and the priority.
/// </summary>
public sealed record AgentEnvelope<TPayload>(
    string Id,
    string From,
    string To,
    MessageKind Kind,
    string Action,
    TPayload Payload,
    long TimestampMs,
    string? CorrelationId,
    TaskPriority Priority) : IClusterMessage
    where TPayload : notnull;

public static class AgentEnvelope
{
    /// <summary>An event for every subscriber of its topic (to = "*").</summary>
    public static AgentEnvelope<TPayload> Event<TPayload>(string from, string action, TPayload payload, long timestampMs, TaskPriority priority = TaskPriority.Normal, string? correlationId = null)
        where TPayload : notnull =>
        new(Guid.NewGuid().ToString("N"), from, "*", MessageKind.Event, action, payload, timestampMs, correlationId, priority);
}

/// <summary>The seed's agents, by the names messages carry.</summary>
public static class Agents
{
    public const string Orchestrator = "orchestrator";
    public const string Signal = "signal";
    public const string Risk = "risk";
    public const string Execution = "execution";
    public const string Data = "data";
    public const string Optimizer = "optimizer";
    public const string Audit = "audit";
}

/// <summary>
/// The seed's event bus topics and who listens (Akka DistributedPubSub topics of the same names):
/// signal.generated → Risk, Audit; risk.approved → Execution; risk.rejected → Audit; order.placed → Audit;
/// order.filled → Risk, Audit; position.opened → all; position.closed → Optimizer, Audit;
/// health.degraded → Orchestrator; emergency.stop → all.
/// </summary>
public static class Topics
{
    public const string SignalGenerated = "signal.generated";
    public const string RiskApproved = "risk.approved";
    public const string RiskRejected = "risk.rejected";
    public const string OrderPlaced = "order.placed";
    public const string OrderFilled = "order.filled";
    public const string PositionOpened = "position.opened";
    public const string PositionClosed = "position.closed";

    /// <summary>Not in the seed: a position found without a working stop past the deadline (issue 17's invariant).</summary>
    public const string PositionUnprotected = "position.unprotected";
    public const string HealthDegraded = "health.degraded";
    public const string EmergencyStop = "emergency.stop";
    public const string ParametersDeployed = "parameters.deployed";
    public const string OptimizationCompleted = "optimization.completed";

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Subscribers { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [SignalGenerated] = [Agents.Risk, Agents.Audit],
        [RiskApproved] = [Agents.Execution],
        [RiskRejected] = [Agents.Audit],
        [OrderPlaced] = [Agents.Audit],
        [OrderFilled] = [Agents.Risk, Agents.Audit],
        [PositionOpened] = [Agents.Orchestrator, Agents.Signal, Agents.Risk, Agents.Execution, Agents.Data, Agents.Optimizer, Agents.Audit],
        [PositionClosed] = [Agents.Optimizer, Agents.Audit],
        [PositionUnprotected] = [Agents.Audit],
        [HealthDegraded] = [Agents.Orchestrator],
        [EmergencyStop] = [Agents.Orchestrator, Agents.Signal, Agents.Risk, Agents.Execution, Agents.Data, Agents.Optimizer, Agents.Audit],
        [ParametersDeployed] = [Agents.Audit],
        [OptimizationCompleted] = [Agents.Audit],
    };

    /// <summary>The topics <paramref name="agent"/> subscribes to.</summary>
    public static IEnumerable<string> For(string agent) => Subscribers.Where(s => s.Value.Contains(agent)).Select(s => s.Key);
}
