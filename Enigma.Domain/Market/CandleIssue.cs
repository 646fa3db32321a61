namespace Enigma.Domain.Market;

public enum CandleIssueKind
{
    /// <summary>Missing bars between two rows. Real exchange data has outage windows; a warning, never filled.</summary>
    Gap,

    /// <summary>A row that cannot be read as <c>timestamp_ms,open,high,low,close,volume</c>.</summary>
    Malformed,

    /// <summary>A row with the same open time as the row before it.</summary>
    Duplicate,

    /// <summary>A row whose open time is earlier than the row before it.</summary>
    Unsorted,

    /// <summary>A row whose open time is not on the timeframe's grid.</summary>
    Misaligned,

    /// <summary>Prices that contradict each other (low above high, close outside the range, non-positive price, negative volume).</summary>
    OhlcViolation,
}

/// <summary>One problem found in a candle file, with the line it is on (1-based, the header is line 1).</summary>
public sealed record CandleIssue(string File, int Line, CandleIssueKind Kind, string Message)
{
    /// <summary>Everything but a gap makes the file unfit for indicators or backtests until it is fixed.</summary>
    public bool IsError => Kind != CandleIssueKind.Gap;

    public override string ToString() => $"{File}:{Line}: {Kind}: {Message}";
}
