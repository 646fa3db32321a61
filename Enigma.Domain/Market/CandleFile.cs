using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Enigma.Domain.Market;

/// <summary>
/// The rows of one candle file, exactly as they were written, and everything that is wrong with them.
/// Every well-formed row is kept, in file order, even when it is a duplicate, out of order or violates OHLC rules:
/// the loader reports, it never drops or fills. <see cref="EnsureUsable"/> turns errors into an exception.
/// </summary>
public sealed class CandleFile
{
    private readonly ImmutableArray<int> _lines;

    internal CandleFile(string path, Timeframe timeframe, ImmutableArray<Candle> candles, ImmutableArray<int> lines, ImmutableArray<CandleIssue> issues)
    {
        Path = path;
        Timeframe = timeframe;
        Candles = candles;
        _lines = lines;
        Issues = issues;
    }

    public string Path { get; }

    /// <summary>The bar length the file was checked against (given, taken from the file name, or the most common step).</summary>
    public Timeframe Timeframe { get; }

    public ImmutableArray<Candle> Candles { get; }

    public ImmutableArray<CandleIssue> Issues { get; }

    public IEnumerable<CandleIssue> Errors => Issues.Where(i => i.IsError);

    public IEnumerable<CandleIssue> Gaps => Issues.Where(i => i.Kind == CandleIssueKind.Gap);

    public bool HasErrors => Issues.Any(i => i.IsError);

    /// <summary>Bars missing across all gaps.</summary>
    public long MissingBars { get; internal init; }

    /// <summary>The file line a candle came from (1-based; the header is line 1).</summary>
    public int LineOf(int candleIndex) => _lines[candleIndex];

    /// <summary>Throws <see cref="CandleDataException"/> listing every error (gaps are not errors).</summary>
    public CandleFile EnsureUsable()
    {
        if (!HasErrors)
        {
            return this;
        }

        var errors = Errors.ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Path}: {errors.Count} problem(s) in the candle data:");
        foreach (var error in errors.Take(CandleDataException.ListedProblems))
        {
            text.Append('\n').Append("  ").Append(error);
        }

        if (errors.Count > CandleDataException.ListedProblems)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  ... and {errors.Count - CandleDataException.ListedProblems} more");
        }

        throw new CandleDataException(text.ToString(), errors);
    }
}

/// <summary>Candle data that cannot be used as it is; <see cref="Problems"/> names every file line at fault.</summary>
public sealed class CandleDataException : Exception
{
    internal const int ListedProblems = 20;

    public CandleDataException(string message, IReadOnlyList<CandleIssue> problems)
        : base(message) => Problems = problems;

    public CandleDataException(string message)
        : base(message) => Problems = [];

    public CandleDataException()
        : this("The candle data cannot be used.")
    {
    }

    public CandleDataException(string message, Exception innerException)
        : base(message, innerException) => Problems = [];

    public IReadOnlyList<CandleIssue> Problems { get; }
}
