using System.Diagnostics;

namespace Enigma.Actors.Hosting;

/// <summary>One step of the seed's startup sequence: who does it, what it is, and the work.</summary>
public sealed record StartupStep(int Number, string Agent, string Description, Func<CancellationToken, Task> Run);

public sealed record StepTiming(int Number, string Agent, string Description, TimeSpan Duration);

/// <summary>A startup step failed: the node stops, and this says which step and why.</summary>
public sealed class StartupFailedException : Exception
{
    public StartupFailedException(StartupStep step, Exception cause)
        : base($"Startup step {step?.Number} ({step?.Agent}: {step?.Description}) failed: {cause?.GetBaseException().Message}", cause)
    {
        Step = step;
    }

    public StartupFailedException()
    {
    }

    public StartupFailedException(string message)
        : base(message)
    {
    }

    public StartupFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StartupStep? Step { get; }
}

/// <summary>
/// The seed's 11-step startup sequence, run in order: each step is timed and reported as it ends; the first step that
/// fails stops the sequence with an error naming the step and the cause, and no later step runs.
/// </summary>
public static class StartupSequence
{
    /// <summary>The seed's steps, by number: (agent, what it does).</summary>
    public static IReadOnlyList<(string Agent, string Description)> Seed { get; } =
    [
        ("orchestrator", "load config, validate environment"),
        ("orchestrator", "initialize knowledge bank connection"),
        ("audit", "spawn, run invariant pre-checks"),
        ("data", "spawn, establish WebSocket connections"),
        ("data", "fetch initial candle history (warm-up)"),
        ("signal", "spawn, initialize indicators with history"),
        ("risk", "spawn, load position state, calculate exposure"),
        ("execution", "spawn, verify API credentials (if live)"),
        ("optimizer", "spawn, load baseline metrics"),
        ("orchestrator", "transition to READY"),
        ("orchestrator", "begin trading loop"),
    ];

    public static async Task<IReadOnlyList<StepTiming>> RunAsync(IEnumerable<StartupStep> steps, Action<StepTiming> report, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(report);
        var timings = new List<StepTiming>();
        foreach (var step in steps.OrderBy(s => s.Number))
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await step.Run(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new StartupFailedException(step, e);
            }

            var timing = new StepTiming(step.Number, step.Agent, step.Description, Stopwatch.GetElapsedTime(start));
            timings.Add(timing);
            report(timing);
        }

        return timings;
    }
}
