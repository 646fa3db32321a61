using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Event;

namespace Enigma.Actors.Audit;

/// <summary>
/// Writes the audit trail (<c>audit-YYYY-MM-DD.jsonl</c>, one JSON object per decision, a file per UTC day) and the
/// post-mortems (<c>post-mortem/emergency-…json</c>). File writes block, so this child runs on its own thread
/// (<c>enigma.audit.trail-dispatcher</c>, a pinned dispatcher) and the Audit agent never waits for a disk. Each line
/// is flushed to the operating system as written: a killed process keeps its trail.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor closes its file in PostStop; nobody disposes an actor.")]
public sealed class AuditTrailWriter : ReceiveActor
{
    public const string Dispatcher = "enigma.audit.trail-dispatcher";

    private readonly string? _directory;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private StreamWriter? _writer;
    private string? _day;

    public AuditTrailWriter(string? directory, TimeProvider time)
    {
        _directory = directory;
        _time = time;
        Receive<Line>(line => Write(line.Json));
        Receive<PostMortem>(WritePostMortem);
    }

    /// <summary>On the pinned dispatcher when <paramref name="system"/> configures it (a node does; a bare TestKit system does not).</summary>
    public static Props Props(string? directory, TimeProvider time, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var props = Akka.Actor.Props.Create(() => new AuditTrailWriter(directory, time));
        return system.Dispatchers.HasDispatcher(Dispatcher) ? props.WithDispatcher(Dispatcher) : props;
    }

    protected override void PostStop()
    {
        _writer?.Dispose();
        base.PostStop();
    }

    private void Write(string json)
    {
        if (_directory is null)
        {
            return;
        }

        var day = _time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (day != _day || _writer is null)
        {
            _writer?.Dispose();
            Directory.CreateDirectory(_directory);
            _writer = new StreamWriter(new FileStream(Path.Combine(_directory, $"audit-{day}.jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
            _day = day;
        }

        _writer.WriteLine(json);
    }

    private void WritePostMortem(PostMortem postMortem)
    {
        if (_directory is null)
        {
            return;
        }

        var folder = Path.Combine(_directory, "post-mortem");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"emergency-{_time.GetUtcNow():yyyyMMdd-HHmmss}-{postMortem.Trigger}.json");
        File.WriteAllText(path, postMortem.Json, new UTF8Encoding(false));
        _log.Warning("Post-mortem written to {0}", path);
    }

    public sealed record Line(string Json);

    public sealed record PostMortem(string Trigger, string Json);
}
