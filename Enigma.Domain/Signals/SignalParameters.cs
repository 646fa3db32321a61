using System.Globalization;
using System.Reflection;

namespace Enigma.Domain.Signals;

/// <summary>
/// Every tunable number of the Signal agent, with the seed's names for the optimizer's grid (RSI_PERIOD,
/// RSI_OVERSOLD, RSI_OVERBOUGHT, SIGNAL_MIN_SCORE). The scoring table and the reason for each default are in
/// knowledge-bank/truth-docs/formulas.md. The weights add up to the score's bound: 90 for indicators, 20 for
/// divergences, 10 for patterns, 10 for alignment = 130.
/// </summary>
public sealed record SignalParameters
{
    public static readonly SignalParameters Default = new();

    [SignalParameter("RSI_PERIOD")] public int RsiPeriod { get; init; } = 14;

    [SignalParameter("RSI_OVERSOLD")] public double RsiOversold { get; init; } = 30;

    [SignalParameter("RSI_OVERBOUGHT")] public double RsiOverbought { get; init; } = 70;

    [SignalParameter("SIGNAL_MIN_SCORE")] public double SignalMinScore { get; init; } = 50;

    [SignalParameter("WILLR_OVERSOLD")] public double WilliamsROversold { get; init; } = -80;

    [SignalParameter("WILLR_OVERBOUGHT")] public double WilliamsROverbought { get; init; } = -20;

    [SignalParameter("STOCH_OVERSOLD")] public double StochasticOversold { get; init; } = 20;

    [SignalParameter("STOCH_OVERBOUGHT")] public double StochasticOverbought { get; init; } = 80;

    [SignalParameter("OBV_SLOPE_BARS")] public int ObvSlopeBars { get; init; } = 10;

    [SignalParameter("WEIGHT_RSI")] public double WeightRsi { get; init; } = 15;

    [SignalParameter("WEIGHT_MACD")] public double WeightMacd { get; init; } = 15;

    [SignalParameter("WEIGHT_WILLR")] public double WeightWilliamsR { get; init; } = 10;

    [SignalParameter("WEIGHT_AO")] public double WeightAo { get; init; } = 10;

    [SignalParameter("WEIGHT_STOCH")] public double WeightStochastic { get; init; } = 10;

    [SignalParameter("WEIGHT_BB")] public double WeightBollinger { get; init; } = 10;

    [SignalParameter("WEIGHT_EMA")] public double WeightEma { get; init; } = 10;

    [SignalParameter("WEIGHT_KDJ")] public double WeightKdj { get; init; } = 5;

    [SignalParameter("WEIGHT_OBV")] public double WeightObv { get; init; } = 5;

    [SignalParameter("WEIGHT_REGULAR_DIVERGENCE")] public double WeightRegularDivergence { get; init; } = 10;

    [SignalParameter("WEIGHT_HIDDEN_DIVERGENCE")] public double WeightHiddenDivergence { get; init; } = 6;

    [SignalParameter("MAX_DIVERGENCE_SCORE")] public double MaxDivergenceScore { get; init; } = 20;

    [SignalParameter("WEIGHT_PATTERN")] public double WeightPattern { get; init; } = 10;

    [SignalParameter("MAX_PATTERN_SCORE")] public double MaxPatternScore { get; init; } = 10;

    [SignalParameter("WEIGHT_ALIGNMENT")] public double WeightAlignment { get; init; } = 10;

    /// <summary>How many bars of its own timeframe a divergence or pattern keeps counting after it is confirmed.</summary>
    [SignalParameter("SIGNAL_MEMORY_BARS")] public int SignalMemoryBars { get; init; } = 12;

    /// <summary>A timeframe's indicator score beyond +/- this counts as a direction for alignment.</summary>
    [SignalParameter("TIMEFRAME_DIRECTION_SCORE")] public double TimeframeDirectionScore { get; init; } = 10;

    [SignalParameter("PIVOT_STRENGTH")] public int PivotStrength { get; init; } = 3;

    [SignalParameter("DIVERGENCE_MIN_BARS")] public int DivergenceMinBars { get; init; } = 5;

    [SignalParameter("DIVERGENCE_MAX_BARS")] public int DivergenceMaxBars { get; init; } = 60;

    /// <summary>The highest score the table can reach; the score is clamped to +/- this.</summary>
    public const double MaxScore = 130;

    private static readonly Dictionary<string, PropertyInfo> ByKey = typeof(SignalParameters).GetProperties()
        .Select(p => (Property: p, Attribute: p.GetCustomAttribute<SignalParameterAttribute>()))
        .Where(p => p.Attribute is not null)
        .ToDictionary(p => p.Attribute!.Key, p => p.Property, StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameter keys accepted by <see cref="With"/>, in declaration order.</summary>
    public static IEnumerable<string> Keys => ByKey.Keys;

    public DivergenceSettings Divergence => new()
    {
        PivotStrength = PivotStrength,
        MinBarsBetweenPivots = DivergenceMinBars,
        MaxBarsBetweenPivots = DivergenceMaxBars,
    };

    /// <summary>A copy with one parameter changed, from text such as a command line's <c>RSI_PERIOD=21</c>.</summary>
    public SignalParameters With(string key, string value)
    {
        if (!ByKey.TryGetValue(key, out var property))
        {
            throw new ArgumentException($"Unknown signal parameter '{key}'. Known: {string.Join(", ", Keys)}.", nameof(key));
        }

        object parsed;
        if (property.PropertyType == typeof(int))
        {
            parsed = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
                ? i
                : throw new ArgumentException($"Signal parameter {key} takes a whole number; got '{value}'.", nameof(value));
        }
        else
        {
            parsed = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                ? d
                : throw new ArgumentException($"Signal parameter {key} takes a number; got '{value}'.", nameof(value));
        }

        var copy = this with { };
        property.SetValue(copy, parsed);
        copy.Validate();
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter that makes no sense.</summary>
    public void Validate()
    {
        Require(RsiPeriod >= 2, "RSI_PERIOD", "must be at least 2");
        Require(RsiOversold > 0 && RsiOversold < 50, "RSI_OVERSOLD", "must lie between 0 and 50");
        Require(RsiOverbought > 50 && RsiOverbought < 100, "RSI_OVERBOUGHT", "must lie between 50 and 100");
        Require(SignalMinScore > 0 && SignalMinScore <= MaxScore, "SIGNAL_MIN_SCORE", $"must lie in (0, {MaxScore}]");
        Require(WilliamsROversold > -100 && WilliamsROversold < WilliamsROverbought && WilliamsROverbought < 0, "WILLR_OVERSOLD/WILLR_OVERBOUGHT", "need -100 < oversold < overbought < 0");
        Require(StochasticOversold > 0 && StochasticOversold < StochasticOverbought && StochasticOverbought < 100, "STOCH_OVERSOLD/STOCH_OVERBOUGHT", "need 0 < oversold < overbought < 100");
        Require(ObvSlopeBars >= 1, "OBV_SLOPE_BARS", "must be at least 1");
        Require(SignalMemoryBars >= 1, "SIGNAL_MEMORY_BARS", "must be at least 1");
        Require(TimeframeDirectionScore >= 0, "TIMEFRAME_DIRECTION_SCORE", "must not be negative");
        foreach (var (key, property) in ByKey.Where(kv => kv.Key.StartsWith("WEIGHT_", StringComparison.Ordinal) || kv.Key.StartsWith("MAX_", StringComparison.Ordinal)))
        {
            Require((double)property.GetValue(this)! >= 0, key, "must not be negative");
        }

        Divergence.Validate();
    }

    private static void Require(bool condition, string key, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Signal parameter {key} {problem}.");
        }
    }
}

/// <summary>The name under which the optimizer and the command line know a signal parameter.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SignalParameterAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}
