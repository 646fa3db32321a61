using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Serialization;

namespace Enigma.Actors.Optimization;

/// <summary>The Optimizer agent's settings (HOCON <c>enigma.optimizer</c>).</summary>
public sealed record OptimizerSettings
{
    /// <summary>Jobs a node runs at once; 0: one per core.</summary>
    public int WorkerSlots { get; init; }

    /// <summary>A job not back after this long is handed to another worker too (the first outcome wins): a stuck node delays nothing for ever.</summary>
    public TimeSpan JobLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A batch nobody has read for this long is dropped (its client went away).</summary>
    public TimeSpan BatchIdleLimit { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The knowledge bank's deployed parameters, watched for new versions; null: the cluster keeps its configured parameters.</summary>
    public string? ModelWeights { get; init; }

    /// <summary>How often <see cref="ModelWeights"/> is looked at.</summary>
    public TimeSpan DeployPollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the coordinator's node runs the whole cycle (enigma optimize --cluster); null: on command only.</summary>
    public TimeSpan? Schedule { get; init; }

    /// <summary>The scheduled cycle's options for enigma optimize (space-separated, no quoting).</summary>
    public IReadOnlyList<string> ScheduleArguments { get; init; } = [];
}

/// <summary>Published on <c>optimization.completed</c> after a scheduled cycle: its exit code, its last word (deployed or not), its log.</summary>
public sealed record OptimizationCompleted(string Id, int ExitCode, string Summary, string Log, long AtMs) : IClusterMessage;

/// <summary>
/// Jobs of one study to run on the cluster's optimizer nodes; the reply is <see cref="WorkAccepted"/>. A large batch
/// comes in parts (a remoting frame holds about 128 kB): the first without <see cref="BatchId"/>, the others naming
/// it, each at the <see cref="Offset"/> where the one before ended.
/// </summary>
public sealed record SubmitWork(OptimizationStudy Study, IReadOnlyList<WorkItem> Items, string? BatchId = null, int Offset = 0) : IClusterMessage
{
    /// <summary>Jobs per part: a few hundred bytes each, well inside a frame.</summary>
    public const int PartSize = 100;
}

/// <summary>The batch's id and how many jobs it holds so far; <see cref="Error"/> when a part did not fit its batch.</summary>
public sealed record WorkAccepted(string BatchId, int Count, string? Error = null) : IClusterMessage;

/// <summary>The outcomes of a batch from index <see cref="From"/> on (in the order they finished); the reply is <see cref="BatchOutcomes"/>.</summary>
public sealed record FetchOutcomes(string BatchId, int From) : IClusterMessage;

/// <summary>One finished job of a batch, by its index in the batch as submitted.</summary>
public sealed record BatchOutcome(int Index, int Trades, double? Sharpe, decimal NetPnl, IReadOnlyList<double>? DailyReturns, string Node);

/// <summary>
/// A batch's progress: the outcomes after the asked index (as many as fit a remoting frame: when fewer than
/// <see cref="Done"/> minus that index came, ask again at once), how many of its jobs are done, and an error that ended it.
/// <see cref="Unknown"/>: this coordinator has no such batch (the coordinator moved to another node with the one
/// that held it, or the batch was dropped); the client submits what it still lacks again.
/// </summary>
public sealed record BatchOutcomes(string BatchId, int Total, int Done, IReadOnlyList<BatchOutcome> Outcomes, string? Error, bool Unknown = false) : IClusterMessage;

/// <summary>Drop a batch: its queued jobs are not run, its running ones are ignored when they end.</summary>
public sealed record CancelWork(string BatchId) : IClusterMessage;

public sealed record GetOptimizerStatus : IClusterMessage
{
    public static GetOptimizerStatus Instance { get; } = new();
}

/// <summary>A worker as the coordinator sees it: its node, how many jobs it takes at once (running and waiting), holds now, and has finished.</summary>
public sealed record OptimizerWorkerView(string Node, int Capacity, int Running, long Finished);

/// <summary>The seed's MEASURE step: what the live positions of a symbol did (from <c>position.closed</c>).</summary>
public sealed record LiveMeasure(string Symbol, int Trades, int Wins, decimal NetPnl);

/// <summary>The Optimizer agent as a whole: the coordinator's node, its workers, the queue, and the live measure.</summary>
public sealed record OptimizerStatus(string Coordinator, IReadOnlyList<OptimizerWorkerView> Workers, int Queued, int Running, int Batches, long Finished, IReadOnlyList<LiveMeasure> Live) : IClusterMessage;

/// <summary>
/// The Optimizer agent's broker, a cluster singleton on the <c>optimizer</c> role: it takes batches of backtest jobs
/// (a walk-forward's training runs, a genetic generation), queues them and hands them to the workers that ask
/// (work pulling), each at most as many as it runs at once. A worker's node that dies or leaves gives its jobs back to
/// the queue (death watch), and a job out longer than its lease is handed out again, the first outcome winning, so a
/// slow or dying node loses no job. Outcomes wait in the batch until its client fetches them. It also keeps the seed's
/// MEASURE step: the live round trips per symbol from <c>position.closed</c>.
/// </summary>
public sealed class OptimizerCoordinator : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _bus;
    private readonly OptimizerSettings _settings;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Batch> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (Batch Batch, int Index)> _jobs = [];
    private readonly LinkedList<long> _queue = new();
    private readonly Dictionary<long, (IActorRef Worker, DateTimeOffset Deadline)> _running = [];
    private readonly Dictionary<IActorRef, WorkerState> _workers = [];
    private readonly Dictionary<string, LiveMeasure> _live = new(StringComparer.Ordinal);
    private readonly string _incarnation = Guid.NewGuid().ToString("N")[..8];
    private long _lastNumber;
    private long _finished;

    public OptimizerCoordinator(IActorRef bus, OptimizerSettings settings, TimeProvider time)
    {
        _bus = bus;
        _settings = settings;
        _time = time;
        _bus.Tell(new Subscribe(Topics.PositionClosed, Self));
        Receive<SubscribeAck>(_ => { });
        Receive<SubmitWork>(Submit);
        Receive<RequestWork>(r =>
        {
            if (!_workers.TryGetValue(r.Worker, out var state))
            {
                // A worker on this node has a local path: name it by the node's cluster address like the others.
                var address = r.Worker.Path.Address;
                state = new WorkerState((address.HasGlobalScope ? address : Akka.Cluster.Cluster.Get(Context.System).SelfAddress).ToString());
                _workers[r.Worker] = state;
                Context.Watch(r.Worker);
                _log.Info("optimizer: worker {0} joined (takes {1} jobs at once)", r.Worker.Path, r.Capacity);
            }

            state.Capacity = Math.Max(1, r.Capacity);
            Dispatch(r.Worker, state);
        });
        Receive<WorkDone>(Done);
        Receive<FetchOutcomes>(f =>
        {
            if (!_batches.TryGetValue(f.BatchId, out var batch))
            {
                Sender.Tell(new BatchOutcomes(f.BatchId, 0, 0, [], $"no batch {f.BatchId}: it finished and was read, was cancelled, or the optimizer coordinator moved to another node", Unknown: true));
                return;
            }

            batch.LastRead = _time.GetUtcNow();
            var from = Math.Clamp(f.From, 0, batch.Finished.Count);

            // Outcomes up to about 80 kB of JSON (a daily return is about 20 bytes), at least one.
            var count = 0;
            for (var budget = 80_000; from + count < batch.Finished.Count && (count == 0 || budget > 0); count++)
            {
                budget -= 150 + (20 * (batch.Finished[from + count].DailyReturns?.Count ?? 0));
            }

            Sender.Tell(new BatchOutcomes(batch.Id, batch.Items.Count, batch.Finished.Count, batch.Finished.GetRange(from, count), batch.Error));
            if (batch.Error is not null || from + count == batch.Items.Count)
            {
                Forget(batch); // everything read (a lost reply makes the client submit what it lacks again)
            }
        });
        Receive<CancelWork>(c =>
        {
            if (_batches.TryGetValue(c.BatchId, out var batch))
            {
                _log.Info("optimizer: batch {0} cancelled with {1} of {2} jobs done", batch.Id, batch.Finished.Count, batch.Items.Count);
                Forget(batch);
            }
        });
        Receive<GetOptimizerStatus>(_ => Sender.Tell(new OptimizerStatus(
            Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(),
            [.. _workers.Values.Select(w => new OptimizerWorkerView(w.Node, w.Capacity, _running.Values.Count(r => _workers.TryGetValue(r.Worker, out var s) && s == w), w.Finished)).OrderBy(w => w.Node, StringComparer.Ordinal)],
            _queue.Count, _running.Count, _batches.Count, _finished, [.. _live.Values.OrderBy(l => l.Symbol, StringComparer.Ordinal)])));
        Receive<AgentEnvelope<PositionClosed>>(e =>
        {
            var p = e.Payload;
            var before = _live.GetValueOrDefault(p.Symbol) ?? new LiveMeasure(p.Symbol, 0, 0, 0);
            _live[p.Symbol] = before with { Trades = before.Trades + 1, Wins = before.Wins + (p.NetPnl > 0 ? 1 : 0), NetPnl = before.NetPnl + p.NetPnl };
        });
        Receive<Terminated>(t =>
        {
            if (_workers.Remove(t.ActorRef, out var state))
            {
                var lost = _running.Where(r => r.Value.Worker.Equals(t.ActorRef)).Select(r => r.Key).ToList();
                foreach (var number in lost)
                {
                    _running.Remove(number);
                    _queue.AddFirst(number);
                }

                _log.Warning("optimizer: worker {0} on {1} is gone; its {2} running job(s) go back to the queue", t.ActorRef.Path, state.Node, lost.Count);
                DispatchAll();
            }
        });
        Receive<Tick>(_ => Sweep());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef bus, OptimizerSettings settings, TimeProvider time) => Akka.Actor.Props.Create(() => new OptimizerCoordinator(bus, settings, time));

    protected override void PreStart() => Timers.StartPeriodicTimer("sweep", Tick.Instance, TimeSpan.FromSeconds(1));

    private void Submit(SubmitWork submit)
    {
        Batch batch;
        if (submit.BatchId is { } existing)
        {
            if (!_batches.TryGetValue(existing, out batch!) || batch.Items.Count != submit.Offset)
            {
                Sender.Tell(new WorkAccepted(existing, 0, $"batch {existing} has no place for jobs from {submit.Offset} (unknown, or it holds {(batch?.Items.Count ?? 0)} jobs)"));
                return;
            }
        }
        else
        {
            // Unique across coordinators too: a new one (after a failover) starts counting again.
            var id = string.Create(CultureInfo.InvariantCulture, $"{submit.Study.StudyId}-{_incarnation}-{_lastNumber + 1}");
            batch = new Batch(id, submit.Study, _time.GetUtcNow());
            _batches[id] = batch;
        }

        foreach (var item in submit.Items)
        {
            var number = ++_lastNumber;
            batch.Numbers.Add(number);
            _jobs[number] = (batch, batch.Items.Count);
            batch.Items.Add(item);
            batch.Outcomes.Add(null);
            _queue.AddLast(number);
        }

        Sender.Tell(new WorkAccepted(batch.Id, batch.Items.Count));
        _log.Debug("optimizer: batch {0}: {1} job(s) for {2} {3} queued ({4} in all); {5} worker(s)", batch.Id, submit.Items.Count, submit.Study.Strategy, submit.Study.Symbol, batch.Items.Count, _workers.Count);
        if (submit.Items.Count == 0)
        {
            return;
        }

        DispatchAll();
        _bus.Tell(new Publish(OptimizerWorker.WorkTopic, WorkAvailable.Instance));
    }

    private void Done(WorkDone done)
    {
        if (_running.Remove(done.Number, out var holder) && _workers.TryGetValue(holder.Worker, out var state))
        {
            state.Finished++;
        }

        _finished++;
        if (!_jobs.TryGetValue(done.Number, out var job) || job.Batch.Outcomes[job.Index] is not null)
        {
            // A cancelled batch's job, or the slower copy of a job handed out again after its lease.
            if (Sender is { } worker && _workers.TryGetValue(worker, out var s))
            {
                Dispatch(worker, s);
            }

            return;
        }

        if (done.Error is { } error)
        {
            job.Batch.Error ??= $"job {job.Index} ({job.Batch.Items[job.Index].Period}) failed on {done.Node}: {error}";
            _log.Error("optimizer: batch {0}: {1}", job.Batch.Id, job.Batch.Error);
        }
        else
        {
            var outcome = new BatchOutcome(job.Index, done.Trades, done.Sharpe, done.NetPnl, done.DailyReturns, done.Node);
            job.Batch.Outcomes[job.Index] = outcome;
            job.Batch.Finished.Add(outcome);
        }

        if (Sender is { } from && _workers.TryGetValue(from, out var st))
        {
            Dispatch(from, st);
        }
    }

    private void DispatchAll()
    {
        foreach (var (worker, state) in _workers.ToList())
        {
            Dispatch(worker, state);
        }
    }

    private void Dispatch(IActorRef worker, WorkerState state)
    {
        var holding = _running.Values.Count(r => r.Worker.Equals(worker));
        while (holding < state.Capacity && _queue.First is { } next)
        {
            _queue.RemoveFirst();
            var number = next.Value;
            if (!_jobs.TryGetValue(number, out var job) || job.Batch.Outcomes[job.Index] is not null || job.Batch.Error is not null)
            {
                continue;
            }

            _running[number] = (worker, _time.GetUtcNow() + _settings.JobLease);
            var item = job.Batch.Items[job.Index];
            worker.Tell(new RunWork(job.Batch.Study, item with { Number = number }));
            holding++;
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var overdue = _running.Where(r => r.Value.Deadline <= now).Select(r => r.Key).ToList();
        foreach (var number in overdue)
        {
            // The first copy may still finish and win; this one guards against a node that never answers.
            _running.Remove(number);
            _queue.AddFirst(number);
            _log.Warning("optimizer: job {0} exceeded its lease of {1}; handed out again", number, _settings.JobLease);
        }

        foreach (var batch in _batches.Values.Where(b => now - b.LastRead > _settings.BatchIdleLimit).ToList())
        {
            _log.Warning("optimizer: batch {0} unread for {1}; dropped", batch.Id, _settings.BatchIdleLimit);
            Forget(batch);
        }

        if (overdue.Count > 0)
        {
            DispatchAll();
        }
    }

    private void Forget(Batch batch)
    {
        _batches.Remove(batch.Id);
        foreach (var number in batch.Numbers)
        {
            _jobs.Remove(number);
            _running.Remove(number);
        }
    }

    private sealed class Batch(string id, OptimizationStudy study, DateTimeOffset created)
    {
        public string Id { get; } = id;

        public OptimizationStudy Study { get; } = study;

        public List<WorkItem> Items { get; } = [];

        public List<long> Numbers { get; } = [];

        public List<BatchOutcome?> Outcomes { get; } = [];

        public List<BatchOutcome> Finished { get; } = [];

        public string? Error { get; set; }

        public DateTimeOffset LastRead { get; set; } = created;
    }

    private sealed class WorkerState(string node)
    {
        public string Node { get; } = node;

        public int Capacity { get; set; } = 1;

        public long Finished { get; set; }
    }

    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }
}
