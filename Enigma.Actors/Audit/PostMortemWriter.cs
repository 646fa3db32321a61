using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Enigma.Actors.Execution;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Audit;

/// <summary>
/// Writes the post-mortem of an emergency stop, beside the trail writer: what the Audit agent knew at the stop (its
/// report, the equity, the latest signals) and each symbol's Execution entity as it answers (position, cash, working
/// orders), as one indented JSON file under <c>post-mortem/</c> and in full in the log. The statuses are asked off the
/// actor and piped back, so neither the Audit agent nor this writer ever waits on a shard.
/// </summary>
public sealed class PostMortemWriter : ReceiveActor
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    private readonly IActorRef _trail;
    private readonly IActorRef? _executionRegion;
    private readonly IReadOnlyList<string> _symbols;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public PostMortemWriter(IActorRef trail, IActorRef? executionRegion, IReadOnlyList<string> symbols)
    {
        _trail = trail;
        _executionRegion = executionRegion;
        _symbols = symbols;
        Receive<Write>(write => CollectStatusesAsync(_executionRegion, _symbols).PipeTo(Self, success: statuses => new Collected(write, statuses)));
        Receive<Collected>(WriteDocument);
    }

    public static Props Props(IActorRef trail, IActorRef? executionRegion, IReadOnlyList<string> symbols) =>
        Akka.Actor.Props.Create(() => new PostMortemWriter(trail, executionRegion, symbols));

    private static async Task<IReadOnlyList<object>> CollectStatusesAsync(IActorRef? region, IReadOnlyList<string> symbols)
    {
        var statuses = new List<object>();
        if (region is null)
        {
            return statuses;
        }

        foreach (var symbol in symbols)
        {
            try
            {
                statuses.Add(await region.Ask<ExecutionStatus>(new ShardingEnvelope(symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(5)).ConfigureAwait(false));
            }
            catch (AskTimeoutException)
            {
                statuses.Add(new { symbol, status = "did not answer within 5 s" });
            }
        }

        return statuses;
    }

    private void WriteDocument(Collected collected)
    {
        var (write, statuses) = (collected.Request, collected.Statuses);
        var document = JsonSerializer.Serialize(
            new
            {
                at = DateTimeOffset.FromUnixTimeMilliseconds(write.AtMs).ToString("O", CultureInfo.InvariantCulture),
                trigger = write.Stopped.Trigger,
                detail = write.Stopped.Detail,
                from = write.Stopped.From,
                equity = write.Equity,
                dayStartEquity = write.DayStartEquity,
                execution = statuses.Select(s => s is ExecutionStatus e
                    ? (object)new { e.Symbol, e.Phase, e.ClosedReason, position = e.State.Position, cash = e.State.Cash, workingOrders = e.State.Orders.Values.Where(o => !o.IsFinal).ToArray() }
                    : s).ToArray(),
                latestSignals = write.LatestSignals,
                report = write.Report,
            },
            Indented);

        // In the log file in full; the terminal (errors only) has already shown the trigger.
        _log.Warning("Post-mortem of the emergency stop ({0}): {1}", write.Stopped.Trigger, document);
        _trail.Tell(new AuditTrailWriter.PostMortem(write.Stopped.Trigger.ToString(), document));
    }

    /// <summary>What the Audit agent knew when the stop came.</summary>
    public sealed record Write(EmergencyStopped Stopped, AuditReport Report, decimal Equity, decimal DayStartEquity, IReadOnlyList<SignalOutput> LatestSignals, long AtMs);

    private sealed record Collected(Write Request, IReadOnlyList<object> Statuses);
}
