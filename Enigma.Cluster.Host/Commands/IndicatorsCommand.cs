using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma indicators --input FILE.csv[.gz] --output OUT.csv[.gz]</c>: the nine indicators for every candle, in the
/// columns of the TA-Lib reference fixture, blank while an indicator warms up.
/// </summary>
public static class IndicatorsCommand
{
    public const string Header = "timestamp_ms,rsi14,ema12,ema26,macd,macd_signal,macd_hist,willr14,ao,stoch_k,stoch_d,bb_upper,bb_middle,bb_lower,obv,kdj_k,kdj_d,kdj_j";

    public static Command Build()
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Candle file: timestamp_ms,open,high,low,close,volume CSV, plain or gzip.",
            Required = true,
        };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "Where to write the indicator CSV (gzip when the name ends in .gz). Replaced only when the run succeeds.",
            Required = true,
        };
        var command = new Command("indicators", "Compute RSI(14), EMA(12/26), MACD(12,26,9), Williams %R(14), AO(5,34), Stochastic(14,3,3), Bollinger(20,2), OBV and KDJ(9,3,3) for every candle of a file.")
        {
            input,
            output,
        };
        command.SetAction(parseResult => Run(Terminal.For(parseResult), parseResult.GetValue(input)!, parseResult.GetValue(output)!));
        return command;
    }

    private static int Run(Terminal terminal, FileInfo input, FileInfo output)
    {
        var file = CommandInput.Load(terminal, input, timeframe: null, rejectErrors: true);
        if (file is null)
        {
            return ExitCodes.BadInput;
        }

        CommandInput.WarnAboutGaps(terminal, file);
        try
        {
            OutputFile.WriteAtomically(output, stream => Write(file, stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return terminal.Fail(ExitCodes.OutputFailed, $"cannot write '{output.FullName}': {e.Message}");
        }

        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"Wrote {file.Candles.Length} rows to {output.FullName}"));
        return ExitCodes.Success;
    }

    /// <summary>Writes the indicator CSV for a loaded file.</summary>
    public static void Write(CandleFile file, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var writer = new StreamWriter(destination, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine(Header);
        var set = new IndicatorSet();
        var row = new CsvRow();
        foreach (var candle in file.Candles)
        {
            set.Update(candle);
            var r = set.Readings;
            row.Start(r.TimestampMs);
            row.Add(r.Rsi);
            row.Add(r.EmaFast);
            row.Add(r.EmaSlow);
            row.Add(r.Macd?.Macd);
            row.Add(r.Macd?.Signal);
            row.Add(r.Macd?.Histogram);
            row.Add(r.WilliamsR);
            row.Add(r.AwesomeOscillator);
            row.Add(r.Stochastic?.K);
            row.Add(r.Stochastic?.D);
            row.Add(r.Bollinger?.Upper);
            row.Add(r.Bollinger?.Middle);
            row.Add(r.Bollinger?.Lower);
            row.Add(r.Obv);
            row.Add(r.Kdj?.K);
            row.Add(r.Kdj?.D);
            row.Add(r.Kdj?.J);
            row.WriteTo(writer);
        }
    }

    /// <summary>Formats one row without allocating per value: invariant culture, shortest round-trip doubles, blank for no value.</summary>
    private sealed class CsvRow
    {
        private readonly char[] _buffer = new char[1024];
        private int _length;

        public void Start(long timestampMs)
        {
            timestampMs.TryFormat(_buffer, out _length, provider: CultureInfo.InvariantCulture);
        }

        public void Add(double? value)
        {
            _buffer[_length++] = ',';
            if (value is { } v)
            {
                v.TryFormat(_buffer.AsSpan(_length), out var written, "R", CultureInfo.InvariantCulture);
                _length += written;
            }
        }

        public void WriteTo(TextWriter writer)
        {
            writer.Write(_buffer, 0, _length);
            writer.Write('\n');
        }
    }
}
