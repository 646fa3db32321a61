using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Messaging;
using Enigma.Actors.Optimization;

namespace Enigma.Cluster.Host.Backtest;

/// <summary>
/// The Optimizer agent's cycle on a schedule (<c>enigma.optimizer.schedule</c>): every interval, the node that holds
/// the coordinator runs <c>enigma optimize --cluster</c> against its own admin API as a child process (the same
/// command an operator runs: walk-forward over the cluster's workers, significance, gates, deployment to the model
/// weights, which the deployer then applies at a safe point), logs it under the node's data folder, and publishes the
/// outcome on <c>optimization.completed</c>. Other nodes wait their turn: the coordinator may move to them.
/// </summary>
public static class ScheduledOptimization
{
    public static async Task RunAsync(TimeSpan every, IReadOnlyList<string> arguments, Uri admin, string? token, string selfAddress,
        Func<CancellationToken, Task<OptimizerStatus>> status, IActorRef bus, string logFolder, Action<string> say, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(say);
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if ((await status(cancellationToken).ConfigureAwait(false)).Coordinator != selfAddress)
                    {
                        continue;
                    }
                }
                catch (Exception e) when (e is AskTimeoutException or InvalidOperationException)
                {
                    continue; // the coordinator is moving; the next tick asks again
                }

                var id = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
                Directory.CreateDirectory(logFolder);
                var log = Path.Combine(logFolder, $"scheduled-{id}.log");
                say($"optimizer: scheduled cycle {id} starts (enigma optimize --cluster {admin.Authority} {string.Join(' ', arguments)}; log {log})");
                var (code, summary) = await RunChildAsync(arguments, admin, token, log, cancellationToken).ConfigureAwait(false);
                say($"optimizer: scheduled cycle {id} ended with exit code {code}: {summary}");
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                bus.Tell(new Publish(Topics.OptimizationCompleted, AgentEnvelope.Event(Agents.Optimizer, Topics.OptimizationCompleted, new OptimizationCompleted(id, code, summary, log, now), now)));
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    /// <summary>This executable again (the apphost, or <c>dotnet enigma.dll</c>), its output in <paramref name="log"/>.</summary>
    private static async Task<(int Code, string Summary)> RunChildAsync(IReadOnlyList<string> arguments, Uri admin, string? token, string log, CancellationToken cancellationToken)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ScheduledOptimization).Assembly.Location);
        }

        foreach (var argument in new[] { "optimize", "--cluster", admin.Authority }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        if (token is not null)
        {
            start.Environment["ENIGMA_NODE_ADMIN_TOKEN"] = token; // not on the command line, where ps would show it
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        await using var writer = new StreamWriter(log);
        var lines = new List<string>();
        async Task Copy(StreamReader reader)
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                    writer.WriteLine(line);
                }
            }
        }

        try
        {
            await Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError), process.WaitForExitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var summary = lines.LastOrDefault(l => l.StartsWith("deployed: ", StringComparison.Ordinal) || l.StartsWith("not deployed: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal))
            ?? lines.LastOrDefault() ?? "no output";
        return (process.ExitCode, summary);
    }
}
