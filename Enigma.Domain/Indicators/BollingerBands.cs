using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record BollingerBandsState(double Deviations, long LastTimestampMs, RollingMomentsState Window);

/// <summary>
/// Bollinger Bands(period, k): middle = SMA(period) of closes, bands = middle +/- k * population standard
/// deviation (divided by the period, as TA-Lib and Bollinger do). First value at row period - 1. A flat window
/// has zero deviation and all three bands equal.
/// </summary>
public sealed class BollingerBands
{
    private RollingMoments _window;
    private long _lastTimestampMs = long.MinValue;

    public BollingerBands(int period = 20, double deviations = 2.0)
    {
        _window = new RollingMoments(IndicatorState.RequirePeriod(period, nameof(period)));
        if (!double.IsFinite(deviations) || deviations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(deviations), deviations, "The band width must be a finite, non-negative number of standard deviations.");
        }

        Deviations = deviations;
        Name = string.Create(CultureInfo.InvariantCulture, $"BB({period},{deviations})");
    }

    public int Period => _window.Period;

    public double Deviations { get; }

    public string Name { get; }

    public bool IsReady => _window.IsFull;

    public BollingerValue? Value
    {
        get
        {
            if (!_window.IsFull)
            {
                return null;
            }

            var middle = _window.Mean;
            var width = Deviations * Math.Sqrt(_window.Variance);
            return new BollingerValue(middle + width, middle, middle - width);
        }
    }

    public void Update(in Candle candle) => Update(candle.OpenTimeMs, (double)candle.Close);

    public void Update(long timestampMs, double close)
    {
        InputGuard.Time(Name, _lastTimestampMs, timestampMs);
        InputGuard.Value(Name, "close", close, timestampMs);
        Apply(timestampMs, close);
    }

    internal void Apply(long timestampMs, double close)
    {
        _lastTimestampMs = timestampMs;
        _window.Add(close);
    }

    public BollingerBandsState Snapshot() => new(Deviations, _lastTimestampMs, _window.Snapshot());

    public static BollingerBands Restore(BollingerBandsState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Window);
        var bands = new BollingerBands(state.Window.Period, state.Deviations);
        bands._window = RollingMoments.Restore(state.Window, state.Window.Period, bands.Name);
        bands._lastTimestampMs = state.LastTimestampMs;
        return bands;
    }
}
