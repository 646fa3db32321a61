using Akka.Persistence.Journal;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Execution;

namespace Enigma.Actors.Serialization;

/// <summary>
/// The tags every persisted event is written with, so that Akka.Persistence.Query finds events by symbol or by kind
/// across all entities (post-mortems, journal tools): <c>execution</c> or <c>orchestrator</c>, <c>symbol:XBTUSDTM</c>,
/// and <c>kind:order-filled</c> (the manifest's name without its version, so a new version keeps its tag).
/// </summary>
public static class JournalTags
{
    public const string Execution = "execution";
    public const string Orchestrator = "orchestrator";

    public static string Symbol(string symbol) => "symbol:" + symbol;

    public static string Kind(object persisted) => "kind:" + KindName(persisted);

    public static Tagged ForExecution(string symbol, ExecutionEvent e) => new(e, [Execution, Symbol(symbol), Kind(e)]);

    public static Tagged ForOrchestrator(SystemStateChanged changed) => new(changed, [Orchestrator, Kind(changed)]);

    /// <summary>A persisted object's kind: manifest <c>execution.order-filled.v1</c> → <c>order-filled</c>.</summary>
    public static string KindName(object persisted)
    {
        var manifest = JournalSerializer.ManifestFor(persisted);
        var withoutVersion = manifest[..manifest.LastIndexOf('.')];
        return withoutVersion[(withoutVersion.IndexOf('.', StringComparison.Ordinal) + 1)..];
    }
}
