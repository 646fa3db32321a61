namespace Enigma.Domain.Indicators;

/// <summary>
/// Periods of the Signal agent's nine indicators. The defaults are the seed's; the optimizer varies
/// <see cref="RsiPeriod"/> over [7, 14, 21].
/// </summary>
public sealed record IndicatorSettings
{
    public static readonly IndicatorSettings Default = new();

    public int RsiPeriod { get; init; } = 14;

    public int EmaFastPeriod { get; init; } = 12;

    public int EmaSlowPeriod { get; init; } = 26;

    public int MacdFastPeriod { get; init; } = 12;

    public int MacdSlowPeriod { get; init; } = 26;

    public int MacdSignalPeriod { get; init; } = 9;

    public int WilliamsRPeriod { get; init; } = 14;

    public int AoFastPeriod { get; init; } = 5;

    public int AoSlowPeriod { get; init; } = 34;

    public int StochasticKPeriod { get; init; } = 14;

    public int StochasticKSmoothing { get; init; } = 3;

    public int StochasticDPeriod { get; init; } = 3;

    public int BollingerPeriod { get; init; } = 20;

    public double BollingerDeviations { get; init; } = 2.0;

    public int KdjPeriod { get; init; } = 9;

    public int KdjKSmoothing { get; init; } = 3;

    public int KdjDSmoothing { get; init; } = 3;
}
