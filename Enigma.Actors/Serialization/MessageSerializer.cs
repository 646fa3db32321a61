using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Enigma.Actors.Audit;
using Enigma.Actors.Execution;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Actors.Signal;
using Enigma.Domain.Risk;

namespace Enigma.Actors.Serialization;

/// <summary>
/// Marks a message that may cross nodes (through a shard region, a singleton proxy, the bus or an ask from another
/// node): HOCON binds this interface to <see cref="MessageSerializer"/>, so no message between agents ever falls back
/// to Akka's reflection-based default. A spec fails if a marked type has no manifest here.
/// </summary>
public interface IClusterMessage;

/// <summary>
/// The serializer of every message between agents: JSON with an explicit manifest per type (<c>risk.approved.v1</c>),
/// never a CLR type name, so a node built from another version of the code reads what it understands and names what it
/// does not. Bus envelopes carry their payload's manifest (<c>envelope.v1/risk.approved.v1</c>). Actor references are
/// written as their full paths and resolved on the receiving node. Money stays an exact decimal, enums are names.
/// </summary>
public sealed class MessageSerializer : SerializerWithStringManifest
{
    /// <summary>After <see cref="JournalSerializer.Id"/>; identifiers below 100 are Akka's own.</summary>
    public const int Id = 4102;

    private const string EnvelopePrefix = "envelope.v1/";

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        // Signal
        [typeof(CandleClosed)] = "signal.candle-closed.v1",
        [typeof(WarmUpSignal)] = "signal.warm-up.v1",
        [typeof(SignalWarmedUp)] = "signal.warmed-up.v1",
        [typeof(GetLatestSignal)] = "signal.get-latest.v1",
        [typeof(LatestSignal)] = "signal.latest.v1",
        [typeof(Domain.Signals.SignalOutput)] = "signal.output.v1",

        // Risk
        [typeof(EvaluateRisk)] = "risk.evaluate.v1",
        [typeof(RiskDecided)] = "risk.decided.v1",
        [typeof(EquityUpdated)] = "risk.equity-updated.v1",
        [typeof(PositionEnded)] = "risk.position-ended.v1",
        [typeof(PositionRecovered)] = "risk.position-recovered.v1",
        [typeof(LosingStreakRecovered)] = "risk.losing-streak-recovered.v1",
        [typeof(GetPortfolioView)] = "risk.get-portfolio-view.v1",
        [typeof(PortfolioView)] = "risk.portfolio-view.v1",
        [typeof(GetRiskLimits)] = "risk.get-limits.v1",
        [typeof(RiskLimits)] = "risk.limits.v1",
        [typeof(RiskApproved)] = "risk.approved.v1",
        [typeof(RiskRejected)] = "risk.rejected.v1",

        // Execution
        [typeof(PlaceApprovedOrder)] = "execution.place-approved-order.v1",
        [typeof(OrderPlacementResult)] = "execution.placement-result.v1",
        [typeof(OrderPlacedOnExchange)] = "execution.order-placed-on-exchange.v1",
        [typeof(OrderFillRecorded)] = "execution.fill-recorded.v1",
        [typeof(OrderFinished)] = "execution.order-finished.v1",
        [typeof(PositionOpened)] = "execution.position-opened.v1",
        [typeof(PositionClosed)] = "execution.position-closed.v1",
        [typeof(BookTop)] = "execution.book-top.v1",
        [typeof(EmergencyClose)] = "execution.emergency-close.v1",
        [typeof(EmergencyCloseStarted)] = "execution.emergency-close-started.v1",
        [typeof(PositionWithoutStop)] = "execution.position-without-stop.v1",
        [typeof(ApprovalRefused)] = "execution.approval-refused.v1",
        [typeof(GetExecutionStatus)] = "execution.get-status.v1",
        [typeof(ExecutionStatus)] = "execution.status.v1",

        // Orchestrator
        [typeof(RequestTransition)] = "orchestrator.request-transition.v1",
        [typeof(TriggerEmergencyStop)] = "orchestrator.trigger-emergency-stop.v1",
        [typeof(ResumeAfterEmergency)] = "orchestrator.resume.v1",
        [typeof(TransitionAccepted)] = "orchestrator.transition-accepted.v1",
        [typeof(TransitionRefused)] = "orchestrator.transition-refused.v1",
        [typeof(EmergencyStopped)] = "orchestrator.emergency-stopped.v1",
        [typeof(AgentHealthDegraded)] = "orchestrator.health-degraded.v1",
        [typeof(GetSystemStatus)] = "orchestrator.get-status.v1",
        [typeof(SystemStatus)] = "orchestrator.status.v1",
        [typeof(RegisterAgent)] = "orchestrator.register-agent.v1",
        [typeof(HealthCheck)] = "orchestrator.health-check.v1",
        [typeof(HealthReport)] = "orchestrator.health-report.v1",
        [typeof(SubmitTask)] = "orchestrator.submit-task.v1",
        [typeof(RunTask)] = "orchestrator.run-task.v1",
        [typeof(TaskCompleted)] = "orchestrator.task-completed.v1",

        // Audit
        [typeof(RunAuditPreChecks)] = "audit.run-pre-checks.v1",
        [typeof(AuditPreChecked)] = "audit.pre-checked.v1",
        [typeof(GetAuditReport)] = "audit.get-report.v1",
        [typeof(AuditReport)] = "audit.report.v1",

        // Optimizer
        [typeof(Optimization.RequestWork)] = "optimizer.request-work.v1",
        [typeof(Optimization.RunWork)] = "optimizer.run-work.v1",
        [typeof(Optimization.WorkDone)] = "optimizer.work-done.v1",
        [typeof(Optimization.WorkAvailable)] = "optimizer.work-available.v1",
        [typeof(Optimization.WorkItem)] = "optimizer.work-item.v1",
        [typeof(Optimization.SubmitWork)] = "optimizer.submit-work.v1",
        [typeof(Optimization.WorkAccepted)] = "optimizer.work-accepted.v1",
        [typeof(Optimization.FetchOutcomes)] = "optimizer.fetch-outcomes.v1",
        [typeof(Optimization.BatchOutcomes)] = "optimizer.batch-outcomes.v1",
        [typeof(Optimization.CancelWork)] = "optimizer.cancel-work.v1",
        [typeof(Optimization.GetOptimizerStatus)] = "optimizer.get-status.v1",
        [typeof(Optimization.OptimizerStatus)] = "optimizer.status.v1",
        [typeof(Optimization.DeployParameters)] = "optimizer.deploy-parameters.v1",
        [typeof(Optimization.ParametersAtSafePoint)] = "optimizer.parameters-at-safe-point.v1",
        [typeof(Optimization.ApplySignalParameters)] = "optimizer.apply-signal-parameters.v1",
        [typeof(Optimization.ParametersDeployed)] = "optimizer.parameters-deployed.v1",
        [typeof(Optimization.OptimizationCompleted)] = "optimizer.optimization-completed.v1",
    };

    private static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(m => m.Value, m => m.Key, StringComparer.Ordinal);

    private readonly JsonSerializerOptions _json;

    public MessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
        // Unlike the journal's, get-only properties are written: a message such as SizedOrder is get-only throughout
        // (only RiskGate sizes an order) and would otherwise cross the wire empty. Messages are never stored, so
        // derived values travelling along cost nothing.
        _json = new JsonSerializerOptions(JournalSerializer.Json) { IgnoreReadOnlyProperties = false };
        _json.Converters.Add(new ActorRefConverter(system));
    }

    public override int Identifier => Id;

    /// <summary>Every message type with a manifest (bus payloads included), for the specs.</summary>
    public static IReadOnlyCollection<Type> KnownTypes => Manifests.Keys;

    /// <summary>Types outside <see cref="IClusterMessage"/> that HOCON binds here by name (replies from the domain).</summary>
    public static IReadOnlyCollection<Type> BoundByName { get; } = [typeof(PortfolioView), typeof(Domain.Signals.SignalOutput)];

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var type = o.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(AgentEnvelope<>))
        {
            return EnvelopePrefix + ManifestOf(type.GetGenericArguments()[0]);
        }

        return ManifestOf(type);
    }

    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _json);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var type = TypeOf(manifest);
        try
        {
            return JsonSerializer.Deserialize(bytes, type, _json) ?? throw new SerializationException($"Message '{manifest}' is null.");
        }
        catch (JsonException e)
        {
            var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300));
            throw new SerializationException($"Message '{manifest}' cannot be read: {e.Message} Payload: {text}", e);
        }
    }

    private static string ManifestOf(Type type) =>
        Manifests.TryGetValue(type, out var manifest)
            ? manifest
            : throw new SerializationException($"No message manifest for {type.FullName}: add one to {nameof(MessageSerializer)}.");

    private static Type TypeOf(string manifest)
    {
        if (manifest.StartsWith(EnvelopePrefix, StringComparison.Ordinal))
        {
            return typeof(AgentEnvelope<>).MakeGenericType(TypeOf(manifest[EnvelopePrefix.Length..]));
        }

        return Types.TryGetValue(manifest, out var type)
            ? type
            : throw new SerializationException($"Unknown message manifest '{manifest}': was it sent by a node running another version of Enigma?");
    }

    /// <summary>An actor reference as its full path (with the sending node's address), resolved where it arrives.</summary>
    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value is null || value.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
