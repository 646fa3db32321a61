using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Orchestration;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Orchestration;

/// <summary>The orchestrator on a real SQLite journal; the bus is a probe standing in for DistributedPubSub's mediator.</summary>
public sealed class OrchestratorSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly OrchestratorSettings Fast = new() { HealthInterval = TimeSpan.FromMilliseconds(200), DeadlineCheck = TimeSpan.FromMilliseconds(50), MaxConcurrentTasks = 2 };
    private readonly TemporaryFolder _folder;
    private readonly TestProbe _bus;

    public OrchestratorSpecs()
        : this(TestFiles.TemporaryFolder())
    {
    }

    private OrchestratorSpecs(TemporaryFolder folder)
        : base(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db")), "orchestrator-specs")
    {
        _folder = folder;
        _bus = CreateTestProbe();
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _folder.Dispose();
    }

    private IActorRef Start(TimeProvider? time = null, OrchestratorSettings? settings = null) => Sys.ActorOf(OrchestratorActor.Props(_bus, settings ?? Fast, time));

    private async Task<T> AskAsync<T>(IActorRef actor, object message) => await actor.Ask<T>(message, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Orchestrator_must_walk_the_seeds_states_refuse_illegal_moves_with_a_reason_and_start_over_after_a_restart()
    {
        var orchestrator = Start();
        Assert.IsType<TransitionRefused>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Trading, "too early")));
        Assert.IsType<TransitionAccepted>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Ready, "startup done")));
        Assert.IsType<TransitionAccepted>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Trading, "begin trading loop")));
        Assert.IsType<TransitionAccepted>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Paused, "operator pause")));
        var refused = Assert.IsType<TransitionRefused>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Initializing, "back to start")));
        Assert.Contains("PAUSED → INITIALIZING is not allowed", refused.Reason, StringComparison.Ordinal);

        Watch(orchestrator);
        Sys.Stop(orchestrator);
        await ExpectTerminatedAsync(orchestrator);
        var restarted = Start();
        var recovered = await AskAsync<SystemStatus>(restarted, GetSystemStatus.Instance);
        Assert.Equal(SystemState.Initializing, recovered.State);
        Assert.Equal([SystemState.Ready, SystemState.Trading, SystemState.Paused], recovered.History.Select(h => h.To).ToArray());

        // An emergency stop, unlike any other state, survives a restart.
        await AskAsync<object>(restarted, new TriggerEmergencyStop(EmergencyTrigger.InvariantViolation, "balance below zero"));
        Watch(restarted);
        Sys.Stop(restarted);
        await ExpectTerminatedAsync(restarted);
        var stopped = Start();
        Assert.Equal(SystemState.EmergencyStop, (await AskAsync<SystemStatus>(stopped, GetSystemStatus.Instance)).State);

        // So does an orderly shutdown out of it (the paper command's Ctrl+C): the next start still waits for a resume.
        Assert.IsType<TransitionAccepted>(await AskAsync<object>(stopped, new RequestTransition(SystemState.Shutdown, "operator stop")));
        Watch(stopped);
        Sys.Stop(stopped);
        await ExpectTerminatedAsync(stopped);
        Assert.Equal(SystemState.EmergencyStop, (await AskAsync<SystemStatus>(Start(), GetSystemStatus.Instance)).State);
    }

    [Fact]
    public async Task An_emergency_stop_is_published_to_all_and_only_a_manual_resume_leaves_it()
    {
        var orchestrator = Start();
        await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Ready, "startup done"));
        await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Trading, "go"));

        Assert.IsType<TransitionAccepted>(await AskAsync<object>(orchestrator, new TriggerEmergencyStop(EmergencyTrigger.DailyDrawdown, "daily drawdown -5.2% beyond MAX_DAILY_DRAWDOWN 5%")));
        var publish = await _bus.FishForMessageAsync<Publish>(p => p.Topic == Topics.EmergencyStop);
        var envelope = Assert.IsType<AgentEnvelope<EmergencyStopped>>(publish.Message);
        Assert.Equal(TaskPriority.Critical, envelope.Priority);
        Assert.Equal(EmergencyTrigger.DailyDrawdown, envelope.Payload.Trigger);
        Assert.Equal(SystemState.Trading, envelope.Payload.From);

        Assert.IsType<TransitionRefused>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Ready, "automatic")));
        Assert.IsType<TransitionRefused>(await AskAsync<object>(orchestrator, new RequestTransition(SystemState.Trading, "automatic")));
        Assert.IsType<TransitionAccepted>(await AskAsync<object>(orchestrator, new ResumeAfterEmergency("alice")));
        Assert.Equal(SystemState.Ready, (await AskAsync<SystemStatus>(orchestrator, GetSystemStatus.Instance)).State);
    }

    [Fact]
    public async Task A_child_agent_that_stops_answering_health_checks_is_reported_and_restarted()
    {
        // A second between checks: a loaded machine still answers in time, so only the stuck agent is restarted.
        var orchestrator = Start(settings: Fast with { HealthInterval = TimeSpan.FromSeconds(1) });
        var stuck = new ManualResetEventSlim(false);
        var child = await AskAsync<IActorRef>(orchestrator, new SpawnAgent("audit", Props.Create(() => new HealthyAgent("audit", stuck))));
        await AwaitAssertAsync(async () => Assert.True((await AskAsync<SystemStatus>(orchestrator, GetSystemStatus.Instance)).Agents.Single().LastHeartbeatMs > 0));

        child.Tell(HealthyAgent.Block.Instance);
        var degraded = await _bus.FishForMessageAsync<Publish>(p => p.Topic == Topics.HealthDegraded, TimeSpan.FromSeconds(5));
        Assert.Equal("audit", Assert.IsType<AgentEnvelope<AgentHealthDegraded>>(degraded.Message).Payload.Agent);
        stuck.Set();

        await AwaitAssertAsync(async () =>
        {
            var agent = (await AskAsync<SystemStatus>(orchestrator, GetSystemStatus.Instance)).Agents.Single();
            // At least once: a fresh child slow to answer its first check on a loaded machine may be restarted again.
            Assert.True(agent.Restarts >= 1, $"restarts: {agent.Restarts}");
            Assert.True(agent.Healthy);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Tasks_never_run_more_than_the_limit_at_once_and_a_deadlocked_one_is_cancelled_and_reported()
    {
        // Deadlines run on an injected clock, so a slow machine cannot expire a task before the test looks.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var orchestrator = Start(time);
        var worker = CreateTestProbe();
        orchestrator.Tell(new RegisterAgent("risk", worker));
        Assert.Equal(SystemState.Initializing, (await worker.ExpectMsgAsync<SystemStateChanged>()).To);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        orchestrator.Tell(new SubmitTask(new AgentTask("a", "risk", "evaluate", TaskPriority.Normal, now, now + 60_000)));
        orchestrator.Tell(new SubmitTask(new AgentTask("b", "risk", "evaluate", TaskPriority.Normal, now, now + 2_000)));
        orchestrator.Tell(new SubmitTask(new AgentTask("c", "risk", "evaluate", TaskPriority.Critical, now, now + 60_000)));

        var first = await worker.ExpectMsgAsync<RunTask>();
        var second = await worker.ExpectMsgAsync<RunTask>();
        Assert.Equal(["a", "b"], new[] { first.Task.Id, second.Task.Id });
        var busy = await AskAsync<SystemStatus>(orchestrator, GetSystemStatus.Instance);
        Assert.Equal((2, 1), (busy.RunningTasks, busy.WaitingTasks));
        time.Advance(TimeSpan.FromSeconds(3));

        // "b" never completes: past its deadline it is cancelled and reported, and "c" gets its slot.
        var overdue = await _bus.FishForMessageAsync<Publish>(
            p => p.Topic == Topics.HealthDegraded && p.Message is AgentEnvelope<AgentHealthDegraded> { Payload.Problem: var problem } && problem.StartsWith("task b", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.Contains("missed its deadline while running", ((AgentEnvelope<AgentHealthDegraded>)overdue.Message).Payload.Problem, StringComparison.Ordinal);
        Assert.Equal("c", (await worker.FishForMessageAsync<RunTask>(_ => true)).Task.Id);
    }

    private sealed class HealthyAgent : ReceiveActor
    {
        public HealthyAgent(string name, ManualResetEventSlim released)
        {
            Receive<HealthCheck>(check => Sender.Tell(new HealthReport(name, check.SentAtMs)));

            // A stuck agent, for the test only: it stops processing its mailbox until released.
            Receive<Block>(_ => released.Wait(TimeSpan.FromSeconds(10)));
        }

        public sealed record Block
        {
            public static Block Instance { get; } = new();
        }
    }
}
