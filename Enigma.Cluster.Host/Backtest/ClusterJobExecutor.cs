using System.Globalization;
using System.Text.Json;
using Enigma.Actors.Optimization;
using Enigma.Cluster.Host.Admin;
using Enigma.Domain.Backtesting;

namespace Enigma.Cluster.Host.Backtest;

/// <summary>
/// Runs a search's backtests on a cluster's optimizer nodes (<c>enigma optimize --cluster HOST:PORT</c>): each batch
/// is submitted through a node's admin API to the Optimizer agent, whose workers pull its jobs, and its outcomes are
/// read back as they finish. Interrupted, it cancels the batch; what finished is already in the checkpoint.
/// </summary>
public sealed class ClusterJobExecutor(AdminClient client, OptimizationStudy study, TimeSpan pollEvery) : IBacktestJobExecutor
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
                        var submitted = await client.PostAsync("api/optimizer/batches", new SubmitWork(study, [.. sent.Select((index, i) => WorkItem.From(i, jobs[index]))]), cancellationToken).ConfigureAwait(false);
                        batchId = (submitted.Deserialize<WorkAccepted>(AdminClient.Json) ?? throw new AdminCallException(AdminClient.NodeUnavailable, "the node accepted the batch without saying its id")).BatchId;
                        from = 0;
                    }

                    if (!more)
                    {
                        await Task.Delay(pollEvery, cancellationToken).ConfigureAwait(false);
                    }

                    var read = await client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/optimizer/batches/{Uri.EscapeDataString(batchId)}?from={from}"), cancellationToken).ConfigureAwait(false);
                    var outcomes = read.Deserialize<BatchOutcomes>(AdminClient.Json) ?? throw new AdminCallException(AdminClient.NodeUnavailable, $"batch {batchId}: the node's answer has no outcomes");
                    if (outcomes.Unknown)
                    {
                        // The coordinator moved (its node died or left): hand what is still missing to the new one.
                        Resubmitted++;
                        batchId = null;
                        continue;
                    }

                    if (outcomes.Error is { } error)
                    {
                        throw new AdminCallException(Commands.ExitCodes.BadInput, $"the cluster could not run batch {batchId}: {error}");
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
                catch (AdminCallException e) when (e.ExitCode == AdminClient.NodeUnavailable && DateTimeOffset.UtcNow - lastProgress < Patience)
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
                    await client.DeleteAsync("api/optimizer/batches/" + Uri.EscapeDataString(batchId), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AdminCallException or OperationCanceledException)
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
