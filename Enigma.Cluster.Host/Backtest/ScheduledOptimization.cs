using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Optimization;
using Enigma.Cluster.Host.Commands;

namespace Enigma.Cluster.Host.Backtest;

/// <summary>
/// The Optimizer agent's cycle on a schedule (<c>enigma.optimizer.schedule</c>): every interval, the node that holds
/// the coordinator runs the walk-forward study that <c>enigma.optimizer.schedule-arguments</c> describe (the options
/// of <c>enigma optimize</c>) in its own process, on the cluster's workers through the coordinator (walk-forward,
/// significance, gates, deployment to the model weights, which the deployer then applies at a safe point), logs it
/// under the node's data folder, and publishes the outcome on <c>optimization.completed</c>. Other nodes wait their
/// turn: the coordinator may move to them.
/// </summary>
public static class ScheduledOptimization
{
    public static async Task RunAsync(TimeSpan every, IReadOnlyList<string> arguments, RunningNode node, string logFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var self = Akka.Cluster.Cluster.Get(node.System).SelfAddress.ToString();
        var channel = new InProcessOptimizerChannel(node.Inspector);
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if ((await node.Inspector.OptimizerStatusAsync(cancellationToken).ConfigureAwait(false)).Coordinator != self)
                    {
                        continue;
                    }
                }
                catch (Exception e) when (e is AskTimeoutException or InvalidOperationException)
                {
                    continue; // the coordinator is moving; the next tick asks again
                }

                var id = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
                var log = Path.Combine(logFolder, $"scheduled-{id}.log");
                node.Report($"optimizer: scheduled cycle {id} starts (enigma optimize {string.Join(' ', arguments)}, on the cluster's workers; log {log})");
                int code;
                string summary;
                try
                {
                    Directory.CreateDirectory(logFolder);
                    (code, summary) = await CycleAsync(arguments, channel, log, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    (code, summary) = (ExitCodes.OutputFailed, $"error: the cycle's log {log} could not be written: {e.Message}");
                }

                node.Report($"optimizer: scheduled cycle {id} ended with exit code {code}: {summary}");
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                node.Agents.Bus.Tell(new Publish(Topics.OptimizationCompleted, AgentEnvelope.Event(Agents.Optimizer, Topics.OptimizationCompleted, new OptimizationCompleted(id, code, summary, log, now), now)));
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    /// <summary>One cycle, its lines in <paramref name="log"/>: the exit code <c>enigma optimize</c> would give, and its last word.</summary>
    private static async Task<(int Code, string Summary)> CycleAsync(IReadOnlyList<string> arguments, IOptimizerChannel channel, string log, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(log) { AutoFlush = true };
        var terminal = Terminal.Into(writer);
        var lastError = "no output";
        void Say(string line)
        {
            writer.WriteLine(line);
            lastError = line.StartsWith("error: ", StringComparison.Ordinal) ? line : lastError;
        }

        if (OptimizeCommand.ParseStudy(arguments, terminal) is not { } study)
        {
            return (ExitCodes.Usage, "error: enigma.optimizer.schedule-arguments are not options of enigma optimize (see the log)");
        }

        try
        {
            var outcome = await WalkForwardStudy.RunAsync(study, channel, Say, run: null, cancellationToken).ConfigureAwait(false);
            foreach (var gate in outcome.Gates)
            {
                Say($"gate {gate.Gate}: {(gate.Passed ? "passed" : "FAILED")} — {gate.Detail}");
            }

            Say($"written: {outcome.RunFolder}");
            Say(outcome.Summary);
            return (ExitCodes.Success, outcome.Summary);
        }
        catch (StudyFailedException e) when (e.Kind == StudyFailure.Interrupted && cancellationToken.IsCancellationRequested)
        {
            // The node is stopping: what finished is in the run's checkpoint.
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        catch (StudyFailedException e)
        {
            Say("error: " + e.Message);
            return (e.Kind == StudyFailure.OutputFailed ? ExitCodes.OutputFailed : ExitCodes.BadInput, "error: " + e.Message);
        }
        catch (OptimizerUnavailableException e)
        {
            Say("error: " + e.Message);
            return (Admin.AdminClient.NodeUnavailable, "error: " + e.Message + $" ({lastError})");
        }
    }
}
