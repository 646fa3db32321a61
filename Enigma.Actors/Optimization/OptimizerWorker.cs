using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Serialization;
using Enigma.Domain.Backtesting;

namespace Enigma.Actors.Optimization;

/// <summary>One backtest of a study: a period of its data and one parameter set (<paramref name="Number"/> is the coordinator's).</summary>
public sealed record WorkItem(long Number, string Period, long WarmFromMs, long TradeFromMs, long ToMs, IReadOnlyDictionary<string, string> Parameters, bool DailyReturns) : IClusterMessage
{
    public BacktestJob ToJob() => new(new BacktestPeriod(Period, WarmFromMs, TradeFromMs, ToMs), new ParameterSet(Parameters), DailyReturns);

    public static WorkItem From(long number, BacktestJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(number, job.Period.Name, job.Period.WarmFromMs, job.Period.TradeFromMs, job.Period.ToMs, job.Set.Values, job.DailyReturns);
    }
}

/// <summary>
/// A worker asks for jobs (work pulling: nothing is pushed unasked). <see cref="Capacity"/> is how many it takes at once
/// (running, and one waiting per slot); the coordinator hands it at most that many minus those it already holds, so
/// asking twice never overloads it.
/// </summary>
public sealed record RequestWork(IActorRef Worker, int Capacity) : IClusterMessage;

/// <summary>The coordinator hands a worker one job of a study.</summary>
public sealed record RunWork(OptimizationStudy Study, WorkItem Item) : IClusterMessage;

/// <summary>A job's outcome, or why it could not run (<see cref="Error"/>), from the worker on <see cref="Node"/>.</summary>
public sealed record WorkDone(long Number, int Trades, double? Sharpe, decimal NetPnl, IReadOnlyList<double>? DailyReturns, string? Error, string Node) : IClusterMessage;

/// <summary>Published on <see cref="OptimizerWorker.WorkTopic"/> when jobs are queued: idle workers ask again.</summary>
public sealed record WorkAvailable : IClusterMessage
{
    public static WorkAvailable Instance { get; } = new();
}

/// <summary>
/// The Optimizer agent's hands, one per node with the <c>optimizer</c> role: it pulls backtest jobs from the
/// coordinator, as many at a time as it has slots (a core each by default), runs each on the thread pool (never on
/// the actor's thread) and sends the outcome back. A slow node simply asks less often; a node that dies takes no job
/// with it (the coordinator hands its jobs to others). Studies' candles are loaded once per node and kept.
/// </summary>
public sealed class OptimizerWorker : ReceiveActor, IWithTimers
{
    public const string WorkTopic = "optimizer.work-available";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _coordinator;
    private readonly int _slots;
    /// <summary>Studies kept open: a scheduled cycle opens a new one every time, and each holds its candles and tapes.</summary>
    private const int StudiesKept = 2;
    private readonly Dictionary<string, Task<BacktestWorkbench>> _workbenches = new(StringComparer.Ordinal);
    private readonly Queue<string> _opened = new();
    private readonly string _node;
    private readonly Queue<(RunWork Work, IActorRef ReplyTo)> _waiting = new();
    private int _busy;

    public OptimizerWorker(IActorRef coordinator, IActorRef bus, int slots)
    {
        _coordinator = coordinator;
        _slots = slots > 0 ? slots : Environment.ProcessorCount;
        _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        bus.Tell(new Subscribe(WorkTopic, Self));

        Receive<SubscribeAck>(_ => AskForWork());
        Receive<WorkAvailable>(_ => AskForWork());
        Receive<AskAgain>(_ => AskForWork());
        Receive<RunWork>(work =>
        {
            if (_busy < _slots)
            {
                Run(work, Sender);
            }
            else
            {
                _waiting.Enqueue((work, Sender));
            }
        });
        // The orchestrator's registry: a worker busy with backtests still answers at once (they run on their own threads).
        Receive<Orchestration.HealthCheck>(check => Sender.Tell(new Orchestration.HealthReport(Messaging.Agents.Optimizer, check.SentAtMs)));

        // Backtests do not depend on the trading state: a paused or stopped system may still optimise.
        Receive<Orchestration.SystemStateChanged>(_ => { });
        Receive<Finished>(f =>
        {
            _busy--;
            f.ReplyTo.Tell(f.Done);
            if (_waiting.TryDequeue(out var next))
            {
                Run(next.Work, next.ReplyTo);
            }

            AskForWork();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef coordinator, IActorRef bus, int slots) => Akka.Actor.Props.Create(() => new OptimizerWorker(coordinator, bus, slots));

    protected override void PreStart()
    {
        // The coordinator may not be up yet (a singleton starts on the oldest node): ask now and then until it answers.
        Timers.StartPeriodicTimer("ask-again", AskAgain.Instance, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    /// <summary>
    /// Asks for as many jobs as it has slots, plus one waiting per slot: the next job is here when a slot frees,
    /// instead of a round trip to the coordinator later (a backtest takes milliseconds, so that wait would show).
    /// </summary>
    private void AskForWork()
    {
        if (_busy + _waiting.Count < 2 * _slots)
        {
            _coordinator.Tell(new RequestWork(Self, 2 * _slots));
        }
    }

    private void Run(RunWork work, IActorRef replyTo)
    {
        _busy++;
        var study = work.Study;
        if (!_workbenches.TryGetValue(study.StudyId, out var workbench))
        {
            // Loading candles reads a file: on the thread pool, shared by the study's jobs.
            workbench = Task.Run(study.OpenWorkbench);
            _workbenches[study.StudyId] = workbench;
            _opened.Enqueue(study.StudyId);
            if (_opened.Count > StudiesKept)
            {
                // The oldest study's jobs still running keep their own reference; a job of it arriving later opens it again.
                _workbenches.Remove(_opened.Dequeue());
            }

            _log.Info("optimizer worker: study {0} ({1} {2}) opened on {3}", study.StudyId, study.Strategy, study.Symbol, _node);
        }

        var node = _node;
        workbench.ContinueWith(
            bench =>
            {
                if (bench.Exception is { } loadError)
                {
                    return new WorkDone(work.Item.Number, 0, null, 0, null, loadError.GetBaseException().Message, node);
                }

                try
                {
                    var outcome = bench.Result.Run(work.Item.ToJob());
                    return new WorkDone(work.Item.Number, outcome.Trades, outcome.Sharpe is { } s && double.IsFinite(s) ? s : null, outcome.NetPnl, outcome.DailyReturns, null, node);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    return new WorkDone(work.Item.Number, 0, null, 0, null, e.Message, node);
                }
            },
            CancellationToken.None,

            // A thread of its own, not one of the pool's: a backtest keeps a core busy for milliseconds, and on a node
            // with one core the pool's only thread is also what runs the actors and remoting (a coordinator here would
            // answer every other worker late).
            TaskContinuationOptions.LongRunning,
            TaskScheduler.Default).PipeTo(Self, success: done => new Finished(done, replyTo),
            failure: e => new Finished(new WorkDone(work.Item.Number, 0, null, 0, null, e.GetBaseException().Message, node), replyTo));
    }

    private sealed record Finished(WorkDone Done, IActorRef ReplyTo);

    private sealed record AskAgain
    {
        public static AskAgain Instance { get; } = new();
    }
}
