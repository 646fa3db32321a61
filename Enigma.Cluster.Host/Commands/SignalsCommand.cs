using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma signals --input FILE --symbol XBTUSDTM [--timeframes 5m,15m,1h,4h] [--param KEY=VALUE ...] --output OUT.jsonl</c>:
/// the Signal agent's output after every base candle, one JSON object per line (camelCase, the SignalOutput schema).
/// </summary>
public static partial class SignalsCommand
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Build()
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Base candle file: timestamp_ms,open,high,low,close,volume CSV, plain or gzip. Its timeframe is the first of --timeframes.",
            Required = true,
        };
        var symbol = new Option<string>("--symbol", "-s")
        {
            Description = "Symbol the signals are for, as KuCoin Futures names it (XBTUSDTM, ETHUSDTM, ...).",
            Required = true,
        };
        var timeframes = new Option<string>("--timeframes", "-t")
        {
            Description = "Comma-separated timeframes, the base first; the others are built from it by resampling.",
            DefaultValueFactory = _ => "5m,15m,1h,4h",
        };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = $"Override a signal parameter, KEY=VALUE (repeatable). Keys: {string.Join(", ", SignalParameters.Keys)}.",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "Where to write the JSON lines (gzip when the name ends in .gz). Replaced only when the run succeeds.",
            Required = true,
        };
        var command = new Command("signals", "Replay a candle file through the Signal engine and write its output after every base candle.")
        {
            input, symbol, timeframes, parameters, output,
        };
        command.SetAction(parseResult => Run(
            Terminal.For(parseResult),
            parseResult.GetValue(input)!,
            parseResult.GetValue(symbol)!,
            parseResult.GetValue(timeframes)!,
            parseResult.GetValue(parameters) ?? [],
            parseResult.GetValue(output)!));
        return command;
    }

    private static int Run(Terminal terminal, FileInfo input, string symbol, string timeframeList, string[] parameterTexts, FileInfo output)
    {
        if (!SymbolPattern().IsMatch(symbol))
        {
            return terminal.Fail(ExitCodes.Usage, $"--symbol '{symbol}' is not a symbol: use capital letters and digits, as KuCoin does (XBTUSDTM).");
        }

        var timeframes = new List<Timeframe>();
        foreach (var text in timeframeList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Timeframe.TryParse(text, out var timeframe))
            {
                return terminal.Fail(ExitCodes.Usage, $"--timeframes: '{text}' is not a timeframe (use 5m, 15m, 1h, 4h, 1d, ...).");
            }

            timeframes.Add(timeframe);
        }

        var parameters = SignalParameters.Default;
        foreach (var text in parameterTexts)
        {
            var split = text.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                return terminal.Fail(ExitCodes.Usage, $"--param '{text}' is not KEY=VALUE.");
            }

            try
            {
                parameters = parameters.With(text[..split].Trim(), text[(split + 1)..].Trim());
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, $"--param {text}: {e.Message}");
            }
        }

        SignalEngine engine;
        try
        {
            engine = new SignalEngine(symbol, timeframes, parameters);
        }
        catch (ArgumentException e)
        {
            return terminal.Fail(ExitCodes.Usage, $"--timeframes {timeframeList}: {e.Message}");
        }

        var file = CommandInput.Load(terminal, input, timeframes.Count > 0 ? timeframes[0] : null, rejectErrors: true);
        if (file is null)
        {
            return ExitCodes.BadInput;
        }

        var inferred = CandleCsvReader.TimeframeFromFileName(input.Name);
        if (inferred is { } named && named != engine.BaseTimeframe)
        {
            return terminal.Fail(ExitCodes.BadInput, $"{input.FullName} holds {named} candles, but the base timeframe (the first of --timeframes) is {engine.BaseTimeframe}.");
        }

        CommandInput.WarnAboutGaps(terminal, file);
        try
        {
            OutputFile.WriteAtomically(output, stream => Write(engine, file, stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return terminal.Fail(ExitCodes.OutputFailed, $"cannot write '{output.FullName}': {e.Message}");
        }

        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"Wrote {file.Candles.Length} signals for {symbol} to {output.FullName}"));
        return ExitCodes.Success;
    }

    /// <summary>Writes one JSON line per base candle.</summary>
    public static void Write(SignalEngine engine, CandleFile file, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(file);
        using var writer = new StreamWriter(destination, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        foreach (var candle in file.Candles)
        {
            writer.WriteLine(JsonSerializer.Serialize(engine.Update(candle), Json));
        }
    }

    [GeneratedRegex("^[A-Z0-9]{2,30}$")]
    private static partial Regex SymbolPattern();
}
