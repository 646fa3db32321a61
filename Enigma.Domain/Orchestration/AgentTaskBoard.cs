namespace Enigma.Domain.Orchestration;

/// <summary>The seed's message priorities, highest first.</summary>
public enum TaskPriority
{
    Critical,
    High,
    Normal,
    Low,
}

/// <summary>A unit of work the orchestrator schedules: who does what, how urgently, and by when it must be done.</summary>
public sealed record AgentTask(string Id, string Agent, string Action, TaskPriority Priority, long EnqueuedAtMs, long DeadlineMs);

/// <summary>A task that ran past its deadline: cancelled and reported (the seed's deadlock detection).</summary>
public sealed record OverdueTask(AgentTask Task, long DetectedAtMs, bool WasRunning);

/// <summary>
/// The orchestrator's task queue: priority first (CRITICAL &gt; HIGH &gt; NORMAL &gt; LOW), first in first out within a
/// priority, never more than <see cref="MaxConcurrent"/> running (the seed's MAX_CONCURRENT_TASKS, 10). A task past
/// its deadline, queued or running, is removed and reported by <see cref="Expire"/>. Pure: the caller says the time.
/// </summary>
public sealed class AgentTaskBoard
{
    private readonly PriorityQueue<AgentTask, (TaskPriority, long)> _waiting = new();
    private readonly Dictionary<string, AgentTask> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cancelled = new(StringComparer.Ordinal);
    private long _arrivals;

    public AgentTaskBoard(int maxConcurrent = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        MaxConcurrent = maxConcurrent;
    }

    public int MaxConcurrent { get; }

    public int Waiting => _waiting.Count - _cancelled.Count;

    public int Running => _running.Count;

    public IReadOnlyCollection<AgentTask> RunningTasks => _running.Values;

    public void Enqueue(AgentTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.DeadlineMs <= task.EnqueuedAtMs)
        {
            throw new ArgumentException($"Task {task.Id}: its deadline must come after it is queued.", nameof(task));
        }

        _cancelled.Remove(task.Id);
        _waiting.Enqueue(task, (task.Priority, _arrivals++));
    }

    /// <summary>The tasks that may start now, in order, up to the free slots; each is counted as running.</summary>
    public IReadOnlyList<AgentTask> StartNext()
    {
        var started = new List<AgentTask>();
        while (_running.Count < MaxConcurrent && _waiting.TryDequeue(out var task, out _))
        {
            if (_cancelled.Remove(task.Id))
            {
                continue;
            }

            _running[task.Id] = task;
            started.Add(task);
        }

        return started;
    }

    /// <summary>Marks a running task done; false when it was not running (already expired, or unknown).</summary>
    public bool Complete(string taskId) => _running.Remove(taskId);

    /// <summary>Removes and returns every task, running or waiting, whose deadline has passed.</summary>
    public IReadOnlyList<OverdueTask> Expire(long nowMs)
    {
        var overdue = new List<OverdueTask>();
        foreach (var task in _running.Values.Where(t => t.DeadlineMs <= nowMs).ToList())
        {
            _running.Remove(task.Id);
            overdue.Add(new OverdueTask(task, nowMs, WasRunning: true));
        }

        foreach (var (task, _) in _waiting.UnorderedItems)
        {
            if (task.DeadlineMs <= nowMs && _cancelled.Add(task.Id))
            {
                overdue.Add(new OverdueTask(task, nowMs, WasRunning: false));
            }
        }

        return overdue;
    }
}
