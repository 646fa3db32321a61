using System.CommandLine;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary>Spectre consoles over the invocation's writers: results on standard output, problems on standard error.</summary>
internal sealed class Terminal
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    private Terminal(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
        Out = Create(output);
        Error = Create(error);
    }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Error { get; }

    public static Terminal For(ParseResult parseResult) =>
        new(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);

    /// <summary>Both streams into one writer (a log file).</summary>
    public static Terminal Into(TextWriter writer) => new(writer, writer);

    public int Fail(int exitCode, string message)
    {
        Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        return exitCode;
    }

    public void Warn(string message) => Error.MarkupLineInterpolated($"[yellow]warning:[/] {message}");

    /// <summary>A plain line on standard output, never wrapped, for scripts to read.</summary>
    public void Line(string text) => _output.WriteLine(text);

    /// <summary>A plain line on standard error, never wrapped.</summary>
    public void ErrorLine(string text) => _error.WriteLine(text);

    private static IAnsiConsole Create(TextWriter writer)
    {
        var isTerminal = (writer == Console.Out && !Console.IsOutputRedirected) || (writer == Console.Error && !Console.IsErrorRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!isTerminal)
        {
            // Logs and pipes get whole lines: a message wrapped at 80 columns is harder to grep.
            console.Profile.Width = 240;
        }

        return console;
    }
}
