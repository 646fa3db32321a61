using Enigma.Domain.Indicators;

namespace Enigma.Domain.Signals;

/// <summary>What one indicator adds to the score on one bar, and the rule that fired.</summary>
public readonly record struct Contribution(double Points, double? Value, string Reason);

/// <summary>
/// The indicator half of the scoring table (knowledge-bank/truth-docs/formulas.md): each of the nine indicators
/// adds at most its weight, positive for long, negative for short. Pure and allocation-free: the reasons are constants.
/// </summary>
public static class IndicatorScoring
{
    public const int Count = 9;

    /// <summary>Names in the breakdown, in scoring order.</summary>
    public static readonly IReadOnlyList<string> Names = ["rsi", "macd", "williamsR", "awesomeOscillator", "stochastic", "bollinger", "ema", "kdj", "obv"];

    /// <summary>The reason of an indicator that cannot be scored yet.</summary>
    public const string WarmingUp = "warming up";

    /// <summary>The bar's readings, the previous bar's, the close, and OBV <c>ObvSlopeBars</c> bars back (NaN if unknown).</summary>
    public static void Score(in IndicatorReadings now, in IndicatorReadings previous, double close, double obvBack, SignalParameters p, Span<Contribution> into)
    {
        ArgumentNullException.ThrowIfNull(p);
        into[0] = now.Rsi is not { } rsi ? new(0, null, WarmingUp)
            : rsi <= p.RsiOversold ? new(p.WeightRsi, rsi, "oversold")
            : rsi >= p.RsiOverbought ? new(-p.WeightRsi, rsi, "overbought")
            : new(0, rsi, "between oversold and overbought");

        into[1] = now.Macd is not { } macd ? new(0, null, WarmingUp)
            : previous.Macd is { } before && before.Histogram <= 0 && macd.Histogram > 0 ? new(p.WeightMacd, macd.Histogram, "bullish crossover")
            : previous.Macd is { } prior && prior.Histogram >= 0 && macd.Histogram < 0 ? new(-p.WeightMacd, macd.Histogram, "bearish crossover")
            : macd.Histogram > 0 ? new(p.WeightMacd * 2 / 3, macd.Histogram, "histogram above zero")
            : macd.Histogram < 0 ? new(-p.WeightMacd * 2 / 3, macd.Histogram, "histogram below zero")
            : new(0, macd.Histogram, "histogram at zero");

        into[2] = now.WilliamsR is not { } willR ? new(0, null, WarmingUp)
            : willR <= p.WilliamsROversold ? new(p.WeightWilliamsR, willR, "oversold")
            : willR >= p.WilliamsROverbought ? new(-p.WeightWilliamsR, willR, "overbought")
            : new(0, willR, "mid-range");

        into[3] = now.AwesomeOscillator is not { } ao ? new(0, null, WarmingUp)
            : previous.AwesomeOscillator is not { } aoBefore ? new(0, ao, WarmingUp)
            : aoBefore <= 0 && ao > 0 ? new(p.WeightAo, ao, "crossed above zero")
            : aoBefore >= 0 && ao < 0 ? new(-p.WeightAo, ao, "crossed below zero")
            : ao > 0 && ao > aoBefore ? new(p.WeightAo / 2, ao, "above zero and rising")
            : ao < 0 && ao < aoBefore ? new(-p.WeightAo / 2, ao, "below zero and falling")
            : new(0, ao, "momentum fading");

        into[4] = now.Stochastic is not { } stochastic ? new(0, null, WarmingUp)
            : stochastic.K <= p.StochasticOversold && stochastic.K > stochastic.D ? new(p.WeightStochastic, stochastic.K, "oversold, %K above %D")
            : stochastic.K <= p.StochasticOversold ? new(p.WeightStochastic / 2, stochastic.K, "oversold")
            : stochastic.K >= p.StochasticOverbought && stochastic.K < stochastic.D ? new(-p.WeightStochastic, stochastic.K, "overbought, %K below %D")
            : stochastic.K >= p.StochasticOverbought ? new(-p.WeightStochastic / 2, stochastic.K, "overbought")
            : new(0, stochastic.K, "mid-range");

        into[5] = now.Bollinger is not { } bands ? new(0, null, WarmingUp)
            : close <= bands.Lower ? new(p.WeightBollinger, close, "at or below the lower band")
            : close >= bands.Upper ? new(-p.WeightBollinger, close, "at or above the upper band")
            : new(0, close, "inside the bands");

        into[6] = now.EmaFast is not { } fast || now.EmaSlow is not { } slow ? new(0, null, WarmingUp)
            : fast > slow ? new(p.WeightEma, fast - slow, "fast EMA above slow")
            : fast < slow ? new(-p.WeightEma, fast - slow, "fast EMA below slow")
            : new(0, 0, "EMAs equal");

        into[7] = now.Kdj is not { } kdj ? new(0, null, WarmingUp)
            : kdj.J < 0 ? new(p.WeightKdj, kdj.J, "J below 0")
            : kdj.J > 100 ? new(-p.WeightKdj, kdj.J, "J above 100")
            : new(0, kdj.J, "J within 0..100");

        into[8] = now.Obv is not { } obv || double.IsNaN(obvBack) ? new(0, now.Obv, WarmingUp)
            : obv > obvBack ? new(p.WeightObv, obv, "rising")
            : obv < obvBack ? new(-p.WeightObv, obv, "falling")
            : new(0, obv, "flat");
    }
}
