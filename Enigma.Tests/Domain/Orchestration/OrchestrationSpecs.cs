using Enigma.Domain.Orchestration;

namespace Enigma.Tests.Domain.Orchestration;

public sealed class OrchestrationSpecs
{
    public static TheoryData<SystemState, SystemState, bool, bool> Transitions()
    {
        var data = new TheoryData<SystemState, SystemState, bool, bool>();
        var legal = new HashSet<(SystemState, SystemState)>
        {
            (SystemState.Initializing, SystemState.Ready), (SystemState.Ready, SystemState.Trading), (SystemState.Trading, SystemState.Paused),
            (SystemState.Paused, SystemState.Trading), (SystemState.Trading, SystemState.Ready), (SystemState.Paused, SystemState.Ready),
        };
        foreach (var from in Enum.GetValues<SystemState>())
        {
            foreach (var to in Enum.GetValues<SystemState>())
            {
                var allowed = from != to && from != SystemState.Shutdown && (legal.Contains((from, to)) || to is SystemState.EmergencyStop or SystemState.Shutdown);
                data.Add(from, to, false, allowed);
            }
        }

        data.Add(SystemState.EmergencyStop, SystemState.Ready, true, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Only_the_seeds_transitions_are_allowed_and_every_refusal_says_why(SystemState from, SystemState to, bool manual, bool allowed)
    {
        var result = SystemStateMachine.Check(from, to, manual);
        Assert.Equal(allowed, result.Allowed);
        if (!allowed)
        {
            Assert.StartsWith($"{TransitionResult.Name(from)} → {TransitionResult.Name(to)} is not allowed: ", result.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Tasks_run_by_priority_then_arrival_and_never_more_than_the_limit_at_once()
    {
        var board = new AgentTaskBoard(maxConcurrent: 3);
        var i = 0;
        AgentTask Task(TaskPriority p) => new($"t{i++}", "risk", "evaluate", p, 0, 10_000);
        var low = Task(TaskPriority.Low);
        var normal1 = Task(TaskPriority.Normal);
        var critical = Task(TaskPriority.Critical);
        var normal2 = Task(TaskPriority.Normal);
        var high = Task(TaskPriority.High);
        foreach (var t in new[] { low, normal1, critical, normal2, high })
        {
            board.Enqueue(t);
        }

        Assert.Equal([critical, high, normal1], board.StartNext());
        Assert.Empty(board.StartNext());
        Assert.Equal(3, board.Running);
        Assert.True(board.Complete(high.Id));
        Assert.Equal([normal2], board.StartNext());
        Assert.False(board.Complete("nope"));
        Assert.Equal(1, board.Waiting);
    }

    [Fact]
    public void A_task_past_its_deadline_is_removed_and_reported_whether_running_or_waiting()
    {
        var board = new AgentTaskBoard(maxConcurrent: 1);
        var running = new AgentTask("run", "data", "warm-up", TaskPriority.High, 0, 1_000);
        var waiting = new AgentTask("wait", "signal", "score", TaskPriority.Normal, 0, 2_000);
        var later = new AgentTask("later", "audit", "check", TaskPriority.Low, 0, 60_000);
        board.Enqueue(running);
        board.Enqueue(waiting);
        board.Enqueue(later);
        Assert.Equal([running], board.StartNext());

        Assert.Empty(board.Expire(999));
        var overdue = board.Expire(2_000);
        Assert.Equal([("run", true), ("wait", false)], overdue.Select(o => (o.Task.Id, o.WasRunning)).Order().ToArray());
        Assert.False(board.Complete("run"));
        Assert.Equal([later], board.StartNext());
    }
}
