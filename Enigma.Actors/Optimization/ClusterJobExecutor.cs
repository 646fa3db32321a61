using Enigma.Domain.Backtesting;

namespace Enigma.Actors.Optimization;

/// <summary>
/// How a search reaches the Optimizer agent's coordinator: through a node's admin API (<c>enigma optimize
/// --cluster</c>), or inside the node that runs the scheduled cycle. A coordinator that cannot answer right now (its
/// singleton is moving) is an <see cref="OptimizerUnavailableException"/>; the search waits for it.
/// </summary>
public interface IOptimizerChannel
{
    Task<WorkAccepted> SubmitAsync(SubmitWork work, CancellationToken cancellationToken);

    Task<BatchOutcomes> FetchAsync(string batchId, int from, CancellationToken cancellationToken);

    Task CancelAsync(string batchId, CancellationToken cancellationToken);
}

/// <summary>The coordinator did not answer (its node died, or it is being handed over): try again shortly.</summary>
public sealed class OptimizerUnavailableException : Exception
{
    public OptimizerUnavailableException()
    {
    }

    public OptimizerUnavailableException(string message)
        : base(message)
    {
    }

    public OptimizerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The cluster could not run a batch (bad study, data missing on a node): the search cannot go on.</summary>
public sealed class OptimizerBatchException : Exception
{
    public OptimizerBatchException()
    {
    }

    public OptimizerBatchException(string message)
        : base(message)
    {
    }

    public OptimizerBatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Runs a search's backtests on a cluster's optimizer nodes: each batch is submitted to the Optimizer agent, whose
/// workers pull its jobs, and its outcomes are read back as they finish. When the coordinator moves (its node died)
/// the batch is lost, and what is still missing is submitted again. Interrupted, it cancels the batch; what finished
/// is already in the checkpoint.
/// </summary>
public sealed class ClusterJobExecutor(IOptimizerChannel channel, OptimizationStudy study, TimeSpan pollEvery) : IBacktestJobExecutor
{
    private readonly Dictionary<string, int> _byNode = new(StringComparer.Ordinal);

    /// <summary>How many backtests each node ran (its cluster address), for the report.</summary>
    public IReadOnlyDictionary<string, int> ByNode => _byNode;

    public async Task RunAsync(IReadOnlyList<BacktestJob> jobs, Action<BacktestJob, JobOutcome> completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(completed);
        var received = new bool[jobs.Count];
        var missing = jobs.Count;
        var lastProgress = DateTimeOffset.UtcNow;
        string? batchId = null;
        List<int> sent = [];
        var from = 0;
        var more = false;
        try
        {
            while (missing > 0)
            {
                try
                {
                    if (batchId is null)
                    {
                        // The jobs still without an outcome: all of them, or what a lost batch had not returned.
                        sent = [.. Enumerable.Range(0, jobs.Count).Where(i => !received[i])];
                        var submitted = await channel.SubmitAsync(new SubmitWork(study, [.. sent.Select((index, i) => WorkItem.From(i, jobs[index]))]), cancellationToken).ConfigureAwait(false);
                        batchId = submitted.Error is { } refused ? throw new OptimizerBatchException($"the cluster refused the batch: {refused}") : submitted.BatchId;
                        from = 0;
                    }

                    if (!more)
                    {
                        await Task.Delay(pollEvery, cancellationToken).ConfigureAwait(false);
                    }

                    var outcomes = await channel.FetchAsync(batchId, from, cancellationToken).ConfigureAwait(false);
                    if (outcomes.Unknown)
                    {
                        // The coordinator moved (its node died or left): hand what is still missing to the new one.
                        Resubmitted++;
                        batchId = null;
                        continue;
                    }

                    if (outcomes.Error is { } error)
                    {
                        throw new OptimizerBatchException($"the cluster could not run batch {batchId}: {error}");
                    }

                    foreach (var outcome in outcomes.Outcomes)
                    {
                        var index = sent[outcome.Index];
                        if (received[index])
                        {
                            continue;
                        }

                        received[index] = true;
                        missing--;
                        completed(jobs[index], new JobOutcome(outcome.Trades, outcome.Sharpe, outcome.NetPnl, outcome.DailyReturns));
                        _byNode[outcome.Node] = _byNode.GetValueOrDefault(outcome.Node) + 1;
                        lastProgress = DateTimeOffset.UtcNow;
                    }

                    from += outcomes.Outcomes.Count;

                    // A reply holds what fits a remoting frame: if more are done, ask again at once.
                    more = from < outcomes.Done;
                }
                catch (OptimizerUnavailableException) when (DateTimeOffset.UtcNow - lastProgress < Patience)
                {
                    // A singleton hand-over (the coordinator's node died) makes the node answer 503 for a few
                    // seconds: wait, then carry on with the same batch or, if it was lost, a new one.
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The cluster need not finish what nobody will read.
            if (batchId is not null)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await channel.CancelAsync(batchId, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OptimizerUnavailableException or OperationCanceledException)
                {
                    // The batch is dropped anyway once nobody reads it (enigma.optimizer.batch-idle-limit).
                }
            }

            throw;
        }
    }

    /// <summary>How long the cluster may go without returning an outcome before the search gives up on it.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a batch was lost with its coordinator and its missing jobs submitted again.</summary>
    public int Resubmitted { get; private set; }
}
