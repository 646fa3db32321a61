using Akka.Actor;
using Enigma.Actors.Inspection;

namespace Enigma.Actors.Optimization;

/// <summary>
/// The Optimizer agent from inside a node (its scheduled cycle): the same batches as through the admin API, asked of
/// the coordinator's proxy directly. An ask that times out while the singleton moves is
/// <see cref="OptimizerUnavailableException"/>, and the search waits for the coordinator's new home.
/// </summary>
public sealed class InProcessOptimizerChannel(ClusterInspector inspector) : IOptimizerChannel
{
    public Task<WorkAccepted> SubmitAsync(SubmitWork work, CancellationToken cancellationToken) =>
        CallAsync(() => inspector.SubmitWorkAsync(work, cancellationToken));

    public Task<BatchOutcomes> FetchAsync(string batchId, int from, CancellationToken cancellationToken) =>
        CallAsync(() => inspector.FetchOutcomesAsync(batchId, from, cancellationToken));

    public Task CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        inspector.CancelWork(batchId);
        return Task.CompletedTask;
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            throw new OptimizerUnavailableException("the optimizer's coordinator did not answer: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // A part refused because the batch it belongs to is gone (the coordinator moved): the executor submits
            // what is missing again, as it does through the admin API.
            throw new OptimizerUnavailableException(e.Message, e);
        }
    }
}
