namespace Enigma.Domain.Signals;

[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Long and short are the trading directions, not the integer types.")]
public enum SignalDirection
{
    Neutral,
    Long,
    Short,
}

public enum Alignment
{
    /// <summary>Every timeframe is warm and points the same way.</summary>
    Full,

    /// <summary>More than half of the timeframes point the same way.</summary>
    Partial,

    /// <summary>No majority.</summary>
    Divergent,
}

/// <summary>One indicator's reading and what it added to the score, with the rule that fired.</summary>
public sealed record IndicatorBreakdown(string Name, double? Value, double Contribution, string Reason);

/// <summary>A divergence or chart pattern that counts toward the score: its kind, timeframe, bars, strength in [0, 1].</summary>
public sealed record DetectedSignal(
    string Kind,
    string Timeframe,
    string? Source,
    long StartTime,
    long EndTime,
    long ConfirmedAt,
    long Bars,
    double Strength,
    double Contribution);

/// <summary>The Signal agent's verdict on one symbol after one closed base candle (the seed's SignalOutput, field for field).</summary>
public sealed record SignalOutput(
    string Symbol,
    SignalDirection Direction,
    double Score,
    double Confidence,
    IReadOnlyList<IndicatorBreakdown> Indicators,
    IReadOnlyList<DetectedSignal> Signals,
    Alignment Alignment,
    long Timestamp)
{
    /// <summary>
    /// Long at a score of at least <paramref name="minScore"/>, short at most −<paramref name="minScore"/>, neutral
    /// between: the only place the threshold (SIGNAL_MIN_SCORE) enters, so a parameter search can score once and
    /// apply each threshold afterwards.
    /// </summary>
    public static SignalDirection DirectionOf(double score, double minScore) =>
        score >= minScore ? SignalDirection.Long
        : score <= -minScore ? SignalDirection.Short
        : SignalDirection.Neutral;
}
