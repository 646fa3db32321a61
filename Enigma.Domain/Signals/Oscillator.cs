using Enigma.Domain.Indicators;

namespace Enigma.Domain.Signals;

/// <summary>The oscillators whose swings are compared with price swings to find divergences.</summary>
public enum Oscillator
{
    Rsi,
    MacdHistogram,
    StochasticK,
    Obv,
    AwesomeOscillator,
}

/// <summary>The oscillators' values on one bar; NaN where an oscillator is still warming up.</summary>
public readonly record struct OscillatorValues(double Rsi, double MacdHistogram, double StochasticK, double Obv, double AwesomeOscillator)
{
    public static readonly OscillatorValues None = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public double this[Oscillator oscillator] => oscillator switch
    {
        Oscillator.Rsi => Rsi,
        Oscillator.MacdHistogram => MacdHistogram,
        Oscillator.StochasticK => StochasticK,
        Oscillator.Obv => Obv,
        Oscillator.AwesomeOscillator => AwesomeOscillator,
        _ => throw new ArgumentOutOfRangeException(nameof(oscillator), oscillator, "Unknown oscillator."),
    };

    public static OscillatorValues From(in IndicatorReadings readings) => new(
        readings.Rsi ?? double.NaN,
        readings.Macd?.Histogram ?? double.NaN,
        readings.Stochastic?.K ?? double.NaN,
        readings.Obv ?? double.NaN,
        readings.AwesomeOscillator ?? double.NaN);
}
