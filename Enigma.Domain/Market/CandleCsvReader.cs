using System.Collections.Immutable;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Enigma.Domain.Market;

/// <summary>
/// Reads <c>timestamp_ms,open,high,low,close,volume</c> CSV, plain or gzip (told apart by the gzip magic bytes, not
/// the file name), and checks it: malformed rows, duplicates, unsorted rows, off-grid timestamps, OHLC violations
/// and gaps are all reported with file and line. Nothing is dropped silently and nothing is filled.
/// </summary>
public static partial class CandleCsvReader
{
    public const string Header = "timestamp_ms,open,high,low,close,volume";

    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Loads and checks a file. The timeframe is, in order: the one given, the file name's (<c>BTCUSDT-5m.csv.gz</c>), the most common step between rows.</summary>
    public static CandleFile Load(string path, Timeframe? timeframe = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var magic = new byte[2];
        var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        using Stream content = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        return Read(content, path, timeframe ?? TimeframeFromFileName(path));
    }

    /// <summary>Reads and checks CSV text from a stream; <paramref name="name"/> is used in every message.</summary>
    public static CandleFile Read(Stream stream, string name, Timeframe? timeframe = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (timeframe is { Milliseconds: 0 })
        {
            throw new ArgumentException("The timeframe is unset (0 ms); pass a real one such as Timeframe.FiveMinutes, or null to infer it.", nameof(timeframe));
        }

        using var reader = new StreamReader(stream, leaveOpen: true);
        var candles = ImmutableArray.CreateBuilder<Candle>();
        var lines = ImmutableArray.CreateBuilder<int>();
        var issues = ImmutableArray.CreateBuilder<CandleIssue>();

        var header = reader.ReadLine();
        if (header is null)
        {
            throw new CandleDataException($"{name}: the file is empty; expected the header '{Header}'.");
        }

        if (!string.Equals(header.Trim().TrimStart('\uFEFF'), Header, StringComparison.OrdinalIgnoreCase))
        {
            throw new CandleDataException($"{name}:1: expected the header '{Header}', found '{Truncate(header)}'.");
        }

        var lineNumber = 1;
        var blankLines = new List<int>();
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                // A single trailing newline is normal; a blank line inside the data is reported below.
                blankLines.Add(lineNumber);
                continue;
            }

            foreach (var blank in blankLines)
            {
                issues.Add(new CandleIssue(name, blank, CandleIssueKind.Malformed, "blank line inside the data"));
            }

            blankLines.Clear();

            if (TryParseRow(line, out var candle, out var problem))
            {
                candles.Add(candle);
                lines.Add(lineNumber);
                if (candle.DescribeOhlcViolation() is { } violation)
                {
                    issues.Add(new CandleIssue(name, lineNumber, CandleIssueKind.OhlcViolation, violation));
                }
            }
            else
            {
                issues.Add(new CandleIssue(name, lineNumber, CandleIssueKind.Malformed, $"{problem} in '{Truncate(line)}'"));
            }
        }

        if (blankLines.Count > 1)
        {
            foreach (var blank in blankLines.Take(blankLines.Count - 1))
            {
                issues.Add(new CandleIssue(name, blank, CandleIssueKind.Malformed, "blank line inside the data"));
            }
        }

        var frame = timeframe ?? MostCommonStep(candles) ?? Timeframe.FiveMinutes;
        var missingBars = CheckSequence(name, frame, candles, lines, issues);
        issues.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Kind.CompareTo(b.Kind));
        return new CandleFile(name, frame, candles.ToImmutable(), lines.ToImmutable(), issues.ToImmutable()) { MissingBars = missingBars };
    }

    /// <summary>The timeframe a file name like <c>ETHUSDT-5m.csv.gz</c> declares, or null.</summary>
    public static Timeframe? TimeframeFromFileName(string path)
    {
        var match = TimeframeSuffix().Match(System.IO.Path.GetFileName(path));
        return match.Success && Timeframe.TryParse(match.Groups[1].Value, out var timeframe) ? timeframe : null;
    }

    private static long CheckSequence(string name, Timeframe frame, ImmutableArray<Candle>.Builder candles, ImmutableArray<int>.Builder lines, ImmutableArray<CandleIssue>.Builder issues)
    {
        long missingBars = 0;
        for (var i = 0; i < candles.Count; i++)
        {
            var time = candles[i].OpenTimeMs;
            if (!frame.IsAligned(time))
            {
                issues.Add(new CandleIssue(name, lines[i], CandleIssueKind.Misaligned,
                    $"open time {time} ({Candle.FormatTime(time)}) is not on the {frame} grid"));
            }

            if (i == 0)
            {
                continue;
            }

            var previous = candles[i - 1].OpenTimeMs;
            var step = time - previous;
            if (step == 0)
            {
                issues.Add(new CandleIssue(name, lines[i], CandleIssueKind.Duplicate,
                    $"open time {time} ({Candle.FormatTime(time)}) repeats line {lines[i - 1]}"));
            }
            else if (step < 0)
            {
                issues.Add(new CandleIssue(name, lines[i], CandleIssueKind.Unsorted,
                    $"open time {time} ({Candle.FormatTime(time)}) is before line {lines[i - 1]}'s {previous} ({Candle.FormatTime(previous)})"));
            }
            else if (step > frame.Milliseconds)
            {
                var missing = (step / frame.Milliseconds) - 1;
                if (missing > 0)
                {
                    missingBars += missing;
                    issues.Add(new CandleIssue(name, lines[i], CandleIssueKind.Gap,
                        $"{missing} missing {frame} bar(s) between {Candle.FormatTime(previous)} and {Candle.FormatTime(time)}"));
                }
            }
        }

        return missingBars;
    }

    private static Timeframe? MostCommonStep(ImmutableArray<Candle>.Builder candles)
    {
        var counts = new Dictionary<long, int>();
        for (var i = 1; i < candles.Count; i++)
        {
            var step = candles[i].OpenTimeMs - candles[i - 1].OpenTimeMs;
            if (step > 0)
            {
                counts[step] = counts.GetValueOrDefault(step) + 1;
            }
        }

        if (counts.Count == 0)
        {
            return null;
        }

        var best = counts.MaxBy(kv => kv.Value).Key;
        return Timeframe.TryFromMilliseconds(best, out var frame) ? frame : null;
    }

    private static bool TryParseRow(string line, out Candle candle, out string problem)
    {
        candle = default;
        var span = line.AsSpan().TrimEnd('\r');
        Span<Range> fields = stackalloc Range[7];
        var count = span.Split(fields, ',');
        if (count != 6)
        {
            problem = $"expected 6 comma-separated fields, found {(count == 7 ? "more than 6" : count.ToString(CultureInfo.InvariantCulture))}";
            return false;
        }

        if (!long.TryParse(span[fields[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var time))
        {
            problem = $"timestamp_ms '{span[fields[0]]}' is not a whole number of milliseconds";
            return false;
        }

        Span<decimal> values = stackalloc decimal[5];
        for (var f = 1; f < 6; f++)
        {
            if (!decimal.TryParse(span[fields[f]], DecimalStyle, CultureInfo.InvariantCulture, out values[f - 1]))
            {
                problem = $"{FieldNames[f]} '{span[fields[f]]}' is not a number";
                return false;
            }
        }

        candle = new Candle(time, values[0], values[1], values[2], values[3], values[4]);
        problem = string.Empty;
        return true;
    }

    private static readonly string[] FieldNames = Header.Split(',');

    private static string Truncate(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 117), "...");

    [GeneratedRegex(@"-(\d+[mhdMHD])\.csv(\.gz)?$")]
    private static partial Regex TimeframeSuffix();
}
