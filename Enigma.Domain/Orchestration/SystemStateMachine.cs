namespace Enigma.Domain.Orchestration;

/// <summary>The seed's system states (orchestrator section).</summary>
public enum SystemState
{
    Initializing,
    Ready,
    Trading,
    Paused,
    EmergencyStop,
    Shutdown,
}

/// <summary>A move the state machine allows, or the reason it does not.</summary>
public sealed record TransitionResult(SystemState From, SystemState To, bool Allowed, string? Refusal)
{
    public static TransitionResult Allow(SystemState from, SystemState to) => new(from, to, true, null);

    public static TransitionResult Refuse(SystemState from, SystemState to, string why) => new(from, to, false, $"{Name(from)} → {Name(to)} is not allowed: {why}");

    public static string Name(SystemState state) => state switch
    {
        SystemState.Initializing => "INITIALIZING",
        SystemState.Ready => "READY",
        SystemState.Trading => "TRADING",
        SystemState.Paused => "PAUSED",
        SystemState.EmergencyStop => "EMERGENCY_STOP",
        _ => "SHUTDOWN",
    };
}

/// <summary>
/// The seed's legal transitions: INITIALIZING → READY → TRADING ⇄ PAUSED; TRADING and PAUSED back to READY; any state
/// but SHUTDOWN → EMERGENCY_STOP; EMERGENCY_STOP → READY only by a manual resume (the seventh emergency action is
/// "wait for manual intervention"); any state → SHUTDOWN, which is final. Everything else is refused with a reason.
/// </summary>
public static class SystemStateMachine
{
    public static TransitionResult Check(SystemState from, SystemState to, bool manual)
    {
        if (from == to)
        {
            return TransitionResult.Refuse(from, to, "the system is already there");
        }

        if (from == SystemState.Shutdown)
        {
            return TransitionResult.Refuse(from, to, "SHUTDOWN is final");
        }

        return (from, to) switch
        {
            (_, SystemState.Shutdown) => TransitionResult.Allow(from, to),
            (_, SystemState.EmergencyStop) => TransitionResult.Allow(from, to),
            (SystemState.Initializing, SystemState.Ready) => TransitionResult.Allow(from, to),
            (SystemState.Ready, SystemState.Trading) => TransitionResult.Allow(from, to),
            (SystemState.Trading, SystemState.Paused) => TransitionResult.Allow(from, to),
            (SystemState.Paused, SystemState.Trading) => TransitionResult.Allow(from, to),
            (SystemState.Trading or SystemState.Paused, SystemState.Ready) => TransitionResult.Allow(from, to),
            (SystemState.EmergencyStop, SystemState.Ready) => manual
                ? TransitionResult.Allow(from, to)
                : TransitionResult.Refuse(from, to, "leaving an emergency stop needs a manual resume"),
            (SystemState.Initializing, _) => TransitionResult.Refuse(from, to, "the startup sequence has not finished"),
            (SystemState.EmergencyStop, _) => TransitionResult.Refuse(from, to, "an emergency stop is left only to READY, by a manual resume"),
            (SystemState.Ready, SystemState.Paused) => TransitionResult.Refuse(from, to, "only a trading system can pause"),
            _ => TransitionResult.Refuse(from, to, "not a transition of the seed's state machine"),
        };
    }

    /// <summary>May new signals be acted on?</summary>
    public static bool AcceptsSignals(SystemState state) => state == SystemState.Trading;
}
