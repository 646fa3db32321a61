using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Enigma.Actors.Hosting;

/// <summary>
/// Akka's log to a file (<c>enigma.log-file</c>), one line per event, flushed as written so that a killed node keeps
/// its last words; errors are echoed to standard error, so the terminal shows them without the chatter. A node
/// configures it with <see cref="EnigmaNode.FileLogging"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor closes its file in PostStop; nobody disposes an actor.")]
public sealed class FileLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly StreamWriter? _writer;

    public FileLogger()
    {
        var path = Context.System.Settings.Config.GetString("enigma.log-file", "");
        if (!string.IsNullOrWhiteSpace(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        }

        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Write);
    }

    protected override void PostStop()
    {
        _writer?.Dispose();
        base.PostStop();
    }

    private void Write(LogEvent e)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{e.Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {e.LogLevel().ToString().Replace("Level", "", StringComparison.Ordinal).ToUpperInvariant(),-7} [{e.LogSource}] {e.Message}{(e.Cause is null ? "" : " | " + e.Cause.GetType().Name + ": " + e.Cause.Message)}");
        _writer?.WriteLine(line);
        if (e is Error)
        {
            Console.Error.WriteLine(line);
        }
    }
}
