using System.CommandLine;
using System.Globalization;
using Enigma.Domain.Market;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary><c>enigma candles check --input FILE [--timeframe 5m]</c>: what is in a candle file and everything wrong with it.</summary>
public static class CandlesCommand
{
    public static Command Build()
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Candle file: timestamp_ms,open,high,low,close,volume CSV, plain or gzip.",
            Required = true,
        };
        var timeframe = new Option<string?>("--timeframe", "-t")
        {
            Description = "Bar length to check against (5m, 1h, ...). Default: from the file name, else the most common step.",
        };
        timeframe.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !Timeframe.TryParse(text, out _))
            {
                result.AddError($"--timeframe '{text}' is not a timeframe: use a whole number followed by m, h or d that divides a day (5m, 15m, 1h, 4h, 1d).");
            }
        });
        var check = new Command("check", "Report rows, range, gaps, duplicates, unsorted rows and OHLC violations, each with its line. Exit code 2 when the file has errors.")
        {
            input,
            timeframe,
        };
        check.SetAction(parseResult =>
        {
            var text = parseResult.GetValue(timeframe);
            return Check(Terminal.For(parseResult), parseResult.GetValue(input)!, text is null ? null : Timeframe.Parse(text));
        });
        return new Command("candles", "Inspect candle data files.") { check };
    }

    private static int Check(Terminal terminal, FileInfo input, Timeframe? timeframe)
    {
        var file = CommandInput.Load(terminal, input, timeframe, rejectErrors: false);
        if (file is null)
        {
            return ExitCodes.BadInput;
        }

        var table = new Table().AddColumn("property").AddColumn("value");
        table.AddRow("file", Markup.Escape(file.Path));
        table.AddRow("timeframe", file.Timeframe.ToString());
        table.AddRow("rows", file.Candles.Length.ToString(CultureInfo.InvariantCulture));
        if (!file.Candles.IsEmpty)
        {
            table.AddRow("first open (UTC)", Candle.FormatTime(file.Candles[0].OpenTimeMs));
            table.AddRow("last open (UTC)", Candle.FormatTime(file.Candles[^1].OpenTimeMs));
        }

        table.AddRow("gaps (missing bars)", string.Create(CultureInfo.InvariantCulture, $"{file.Gaps.Count()} ({file.MissingBars})"));
        table.AddRow("errors", file.Errors.Count().ToString(CultureInfo.InvariantCulture));
        terminal.Out.Write(table);

        foreach (var gap in file.Gaps)
        {
            terminal.Line($"  {gap}");
        }

        if (file.HasErrors)
        {
            CommandInput.ReportErrors(terminal, file);
            return ExitCodes.BadInput;
        }

        return ExitCodes.Success;
    }
}
