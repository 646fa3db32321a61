using System.Globalization;
using System.Text.Json;
using Enigma.Actors.Optimization;

namespace Enigma.Cluster.Host.Admin;

/// <summary>
/// The Optimizer agent through a node's admin API (<c>enigma optimize --cluster HOST:PORT</c>): batches posted, their
/// outcomes read back, a cancel on interruption. A node that cannot reach the coordinator answers 503, which is
/// <see cref="OptimizerUnavailableException"/> here; any other refusal (a wrong token) stays an <see cref="AdminCallException"/>.
/// </summary>
public sealed class AdminOptimizerChannel(AdminClient client) : IOptimizerChannel
{
    public Task<WorkAccepted> SubmitAsync(SubmitWork work, CancellationToken cancellationToken) =>
        CallAsync(async () => (await client.PostAsync("api/optimizer/batches", work, cancellationToken).ConfigureAwait(false)).Deserialize<WorkAccepted>(AdminClient.Json)
            ?? throw new OptimizerUnavailableException("the node accepted the batch without saying its id"));

    public Task<BatchOutcomes> FetchAsync(string batchId, int from, CancellationToken cancellationToken) =>
        CallAsync(async () => (await client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/optimizer/batches/{Uri.EscapeDataString(batchId)}?from={from}"), cancellationToken).ConfigureAwait(false)).Deserialize<BatchOutcomes>(AdminClient.Json)
            ?? throw new OptimizerUnavailableException($"batch {batchId}: the node's answer has no outcomes"));

    public async Task CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteAsync("api/optimizer/batches/" + Uri.EscapeDataString(batchId), cancellationToken).ConfigureAwait(false);
        }
        catch (AdminCallException)
        {
            // Best effort: the coordinator drops a batch nobody reads anyway (enigma.optimizer.batch-idle-limit).
        }
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AdminCallException e) when (e.ExitCode == AdminClient.NodeUnavailable)
        {
            throw new OptimizerUnavailableException(e.Message, e);
        }
    }
}
