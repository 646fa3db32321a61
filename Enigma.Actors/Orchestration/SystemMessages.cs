using Akka.Actor;
using Enigma.Actors.Serialization;
using Enigma.Domain.Orchestration;

namespace Enigma.Actors.Orchestration;

// The messages every agent shares with the orchestrator: the system state and its changes, the emergency stop,
// health checks, the agent registry and the task queue. In a file of their own, apart from the actor that answers them.

/// <summary>The seed's emergency-stop triggers.</summary>
public enum EmergencyTrigger
{
    DailyDrawdown,
    LosingStreak,
    InvalidCredentials,
    WebSocketDown,
    InvariantViolation,
    Manual,
}

/// <summary>Asks for a state change (READY → TRADING, TRADING → PAUSED, ...).</summary>
public sealed record RequestTransition(SystemState To, string Reason) : IClusterMessage;

public sealed record TriggerEmergencyStop(EmergencyTrigger Trigger, string Detail) : IClusterMessage;

/// <summary>The manual intervention that ends an emergency stop (EMERGENCY_STOP → READY).</summary>
public sealed record ResumeAfterEmergency(string Operator) : IClusterMessage;

public sealed record TransitionAccepted(SystemState From, SystemState To) : IClusterMessage;

public sealed record TransitionRefused(SystemState From, SystemState To, string Reason) : IClusterMessage;

/// <summary>Persisted: the orchestrator's state history is its journal.</summary>
public sealed record SystemStateChanged(SystemState From, SystemState To, string Reason, long AtMs);

/// <summary>Published on <c>emergency.stop</c>: every agent runs its part of the seed's seven actions.</summary>
public sealed record EmergencyStopped(EmergencyTrigger Trigger, string Detail, SystemState From) : IClusterMessage;

/// <summary>Published on <c>health.degraded</c>.</summary>
public sealed record AgentHealthDegraded(string Agent, string Problem) : IClusterMessage;

public sealed record GetSystemStatus : IClusterMessage
{
    public static GetSystemStatus Instance { get; } = new();
}

public sealed record AgentRegistration(string Name, string Address, long RegisteredAtMs, long LastHeartbeatMs, bool Healthy, int Restarts);

public sealed record SystemStatus(SystemState State, IReadOnlyList<SystemStateChanged> History, IReadOnlyList<AgentRegistration> Agents, int RunningTasks, int WaitingTasks) : IClusterMessage;

/// <summary>Starts an agent as the orchestrator's child: it is health-checked and restarted when it does not answer.</summary>
public sealed record SpawnAgent(string Name, Props Props);

/// <summary>Adds an agent the orchestrator does not own (a shard region, a singleton proxy) to the registry.</summary>
public sealed record RegisterAgent(string Name, IActorRef Agent) : IClusterMessage;

/// <summary>The orchestrator asks; an agent answers with <see cref="HealthReport"/> from its own mailbox.</summary>
public sealed record HealthCheck(long SentAtMs) : IClusterMessage;

public sealed record HealthReport(string Agent, long SentAtMs) : IClusterMessage;

public sealed record SubmitTask(AgentTask Task) : IClusterMessage;

/// <summary>Sent to the agent named in the task; it answers <see cref="TaskCompleted"/>.</summary>
public sealed record RunTask(AgentTask Task) : IClusterMessage;

public sealed record TaskCompleted(string TaskId) : IClusterMessage;
