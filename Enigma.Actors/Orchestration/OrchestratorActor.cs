using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Enigma.Actors.Messaging;
using Enigma.Actors.Serialization;
using Enigma.Domain.Orchestration;

namespace Enigma.Actors.Orchestration;

public sealed record OrchestratorSettings
{
    /// <summary>The seed: health check all agents every 30 seconds.</summary>
    public TimeSpan HealthInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The seed's MAX_CONCURRENT_TASKS.</summary>
    public int MaxConcurrentTasks { get; init; } = 10;

    /// <summary>How often deadlines are checked.</summary>
    public TimeSpan DeadlineCheck { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The master orchestrator: a persistent state machine with exactly the seed's states and transitions (a refused move
/// says why), the priority task queue that never runs more than MAX_CONCURRENT_TASKS and cancels and reports a task
/// past its deadline, the agent registry (which agent, which node, last heartbeat), and health checks that restart
/// an unresponsive child agent and publish <c>health.degraded</c>. In the cluster it runs as a singleton.
/// </summary>
public sealed class OrchestratorActor : ReceivePersistentActor, IWithTimers
{
    private const int HistoryKept = 100;

    private readonly IActorRef _bus;
    private readonly OrchestratorSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AgentTaskBoard _tasks;
    private readonly Dictionary<string, Registered> _agents = new(StringComparer.Ordinal);
    private readonly List<SystemStateChanged> _history = [];
    private SystemState _state = SystemState.Initializing;
    private long _lastCheckMs;

    /// <param name="bus">The DistributedPubSub mediator (a probe in tests).</param>
    public OrchestratorActor(IActorRef bus, OrchestratorSettings? settings = null, TimeProvider? time = null)
    {
        _bus = bus;
        _settings = settings ?? new OrchestratorSettings();
        _time = time ?? TimeProvider.System;
        _tasks = new AgentTaskBoard(_settings.MaxConcurrentTasks);

        Recover<SystemStateChanged>(Apply);
        Command<RequestTransition>(r => Transition(r.To, r.Reason, manual: false));
        Command<ResumeAfterEmergency>(r => Transition(SystemState.Ready, $"manual resume by {r.Operator}", manual: true));
        Command<TriggerEmergencyStop>(OnEmergency);
        Command<GetSystemStatus>(_ => Sender.Tell(Status()));
        Command<SpawnAgent>(OnSpawn);
        Command<RegisterAgent>(r => Register(r.Name, r.Agent, null));
        Command<HealthReport>(OnHealthReport);
        Command<Terminated>(OnTerminated);
        Command<HealthTick>(_ => OnHealthTick());
        Command<SubmitTask>(s =>
        {
            _tasks.Enqueue(s.Task);
            Dispatch();
        });
        Command<TaskCompleted>(c =>
        {
            _tasks.Complete(c.TaskId);
            Dispatch();
        });
        Command<DeadlineTick>(_ => OnDeadlines());
    }

    public override string PersistenceId => "orchestrator";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef bus, OrchestratorSettings? settings = null, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new OrchestratorActor(bus, settings, time));

    /// <summary>
    /// A started node runs its startup sequence again, whatever state the last run ended in; only an emergency stop
    /// survives a restart (it waits for a manual resume). The history keeps how the last run ended.
    /// </summary>
    protected override void OnReplaySuccess()
    {
        // An orderly shutdown out of an emergency stop does not end it: the node comes back still waiting for a
        // manual resume (the seed's seventh action), whatever stopped the process.
        if (_state == SystemState.Shutdown && _history.Count > 0 && _history[^1].From == SystemState.EmergencyStop)
        {
            _state = SystemState.EmergencyStop;
        }

        if (_state != SystemState.EmergencyStop)
        {
            _state = SystemState.Initializing;
        }

        Timers.StartPeriodicTimer("health", HealthTick.Instance, _settings.HealthInterval);
        Timers.StartPeriodicTimer("deadlines", DeadlineTick.Instance, _settings.DeadlineCheck);
        _log.Info("Orchestrator recovered in {0}", TransitionResult.Name(_state));
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // An agent on this node has a local path (akka://enigma): name its node as the cluster does.
    private static string NodeOf(IActorRef agent) =>
        (agent.Path.Address.HasLocalScope ? ((ExtendedActorSystem)Context.System).Provider.DefaultAddress : agent.Path.Address).ToString();

    private void Apply(SystemStateChanged changed)
    {
        _state = changed.To;
        _history.Add(changed);
        if (_history.Count > HistoryKept)
        {
            _history.RemoveAt(0);
        }
    }

    private SystemStatus Status() => new(
        _state,
        _history.ToArray(),
        _agents.Values.Select(a => new AgentRegistration(a.Name, NodeOf(a.Agent), a.RegisteredAtMs, a.LastHeartbeatMs, a.Healthy, a.Restarts)).OrderBy(a => a.Name, StringComparer.Ordinal).ToArray(),
        _tasks.Running,
        _tasks.Waiting);

    private void Transition(SystemState to, string reason, bool manual, Action<SystemStateChanged>? then = null)
    {
        var check = SystemStateMachine.Check(_state, to, manual);
        if (!check.Allowed)
        {
            _log.Warning("Refused: {0}", check.Refusal);
            Sender.Tell(new TransitionRefused(_state, to, check.Refusal!));
            return;
        }

        var sender = Sender;
        Persist(JournalTags.ForOrchestrator(new SystemStateChanged(_state, to, reason, Now)), tagged =>
        {
            var changed = (SystemStateChanged)tagged.Payload;
            Apply(changed);
            _log.Info("{0} → {1}: {2}", TransitionResult.Name(changed.From), TransitionResult.Name(changed.To), reason);
            foreach (var agent in _agents.Values)
            {
                agent.Agent.Tell(changed);
            }

            sender.Tell(new TransitionAccepted(changed.From, changed.To));
            then?.Invoke(changed);
        });
    }

    private void OnEmergency(TriggerEmergencyStop trigger)
    {
        if (_state == SystemState.EmergencyStop)
        {
            Sender.Tell(new TransitionRefused(_state, SystemState.EmergencyStop, "already in EMERGENCY_STOP"));
            return;
        }

        Transition(SystemState.EmergencyStop, $"{trigger.Trigger}: {trigger.Detail}", manual: trigger.Trigger == EmergencyTrigger.Manual, changed =>
        {
            _log.Error("EMERGENCY_STOP ({0}): {1}. State for the post-mortem: {2}", trigger.Trigger, trigger.Detail, Status());
            Publish(Topics.EmergencyStop, new EmergencyStopped(trigger.Trigger, trigger.Detail, changed.From), TaskPriority.Critical);
        });
    }

    private void Publish<T>(string topic, T payload, TaskPriority priority)
        where T : notnull =>
        _bus.Tell(new Publish(topic, AgentEnvelope.Event(Agents.Orchestrator, topic, payload, Now, priority)));

    // ----- Registry and health ----------------------------------------------------------------------------------

    private void OnSpawn(SpawnAgent spawn)
    {
        var child = Context.ActorOf(spawn.Props, spawn.Name);
        Register(spawn.Name, child, spawn.Props);
        Sender.Tell(child);
    }

    private void Register(string name, IActorRef agent, Props? props)
    {
        var restarts = _agents.TryGetValue(name, out var previous) ? previous.Restarts : 0;
        _agents[name] = new Registered(name, agent, props, Now, Now, true, restarts);
        Context.Watch(agent);

        // Every agent learns the system state when it registers and on every change (TRADING gates new positions).
        agent.Tell(new SystemStateChanged(_state, _state, "registered with the orchestrator", Now));
    }

    private void OnHealthTick()
    {
        var now = Now;
        foreach (var agent in _agents.Values.ToList())
        {
            if (_lastCheckMs > 0 && agent.LastHeartbeatMs < _lastCheckMs)
            {
                Degraded(agent, $"did not answer the health check sent {now - _lastCheckMs} ms ago");
            }

            agent.Agent.Tell(new HealthCheck(now), Self);
        }

        _lastCheckMs = now;
    }

    private void OnHealthReport(HealthReport report)
    {
        if (_agents.TryGetValue(report.Agent, out var agent))
        {
            _agents[report.Agent] = agent with { LastHeartbeatMs = Math.Max(agent.LastHeartbeatMs, Now), Healthy = true };
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        var agent = _agents.Values.FirstOrDefault(a => a.Agent.Equals(terminated.ActorRef));
        if (agent is null)
        {
            return;
        }

        if (agent.Props is not null && !agent.Restarting)
        {
            Degraded(agent, "stopped");
        }

        if (agent.Props is not null)
        {
            var child = Context.ActorOf(agent.Props, agent.Name);
            _agents[agent.Name] = agent with { Agent = child, Healthy = true, LastHeartbeatMs = Now, Restarts = agent.Restarts + 1, Restarting = false };
            Context.Watch(child);
            child.Tell(new SystemStateChanged(_state, _state, "restarted by the orchestrator", Now));
            _log.Warning("Agent {0} restarted ({1} restart(s) so far)", agent.Name, agent.Restarts + 1);
        }
        else
        {
            _agents.Remove(agent.Name);
        }
    }

    private void Degraded(Registered agent, string problem)
    {
        _log.Warning("Agent {0} is unhealthy: {1}", agent.Name, problem);
        Publish(Topics.HealthDegraded, new AgentHealthDegraded(agent.Name, problem), TaskPriority.High);
        _agents[agent.Name] = agent with { Healthy = false };
        if (agent.Props is not null && !agent.Restarting)
        {
            // A child that does not answer is stopped; Terminated starts a fresh one.
            _agents[agent.Name] = agent with { Healthy = false, Restarting = true };
            Context.Stop(agent.Agent);
        }
    }

    // ----- Tasks ------------------------------------------------------------------------------------------------

    private void Dispatch()
    {
        foreach (var task in _tasks.StartNext())
        {
            if (_agents.TryGetValue(task.Agent, out var agent))
            {
                agent.Agent.Tell(new RunTask(task), Self);
            }
            else
            {
                _log.Warning("Task {0} is for agent {1}, which is not registered; it will expire", task.Id, task.Agent);
            }
        }
    }

    private void OnDeadlines()
    {
        foreach (var overdue in _tasks.Expire(Now))
        {
            var problem = $"task {overdue.Task.Id} ({overdue.Task.Action}) missed its deadline {(overdue.WasRunning ? "while running" : "while waiting")}: cancelled (possible deadlock)";
            _log.Warning(problem);
            Publish(Topics.HealthDegraded, new AgentHealthDegraded(overdue.Task.Agent, problem), TaskPriority.High);
        }

        Dispatch();
    }

    private sealed record Registered(string Name, IActorRef Agent, Props? Props, long RegisteredAtMs, long LastHeartbeatMs, bool Healthy, int Restarts, bool Restarting = false);

    private sealed record HealthTick
    {
        public static HealthTick Instance { get; } = new();
    }

    private sealed record DeadlineTick
    {
        public static DeadlineTick Instance { get; } = new();
    }
}
