using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record WilliamsRState(long LastTimestampMs, double LastClose, RollingExtremesState Window);

/// <summary>
/// Williams %R = -100 * (HH - C) / (HH - LL) over the last <c>period</c> bars, in [-100, 0]. First value at row
/// period - 1. When the window is flat (HH = LL) the close sits at no particular end of the range, so %R is -50,
/// the middle; TA-Lib writes 0 there, which would read as overbought.
/// </summary>
public sealed class WilliamsR
{
    private RollingExtremes _window;
    private long _lastTimestampMs = long.MinValue;
    private double _lastClose;

    public WilliamsR(int period = 14)
    {
        _window = new RollingExtremes(IndicatorState.RequirePeriod(period, nameof(period)));
        Name = string.Create(CultureInfo.InvariantCulture, $"%R({period})");
    }

    public int Period => _window.Period;

    public string Name { get; }

    public bool IsReady => _window.IsFull;

    public double? Value
    {
        get
        {
            if (!_window.IsFull)
            {
                return null;
            }

            // Divide before scaling: (HH - C) / (HH - LL) cannot exceed 1, so the result cannot pass -100 by an ulp.
            var range = _window.Highest - _window.Lowest;
            return range == 0 ? -50.0 : -100.0 * ((_window.Highest - _lastClose) / range);
        }
    }

    public void Update(in Candle candle) => Update(candle.OpenTimeMs, (double)candle.High, (double)candle.Low, (double)candle.Close);

    public void Update(long timestampMs, double high, double low, double close)
    {
        InputGuard.Time(Name, _lastTimestampMs, timestampMs);
        InputGuard.Range(Name, high, low, close, timestampMs);
        Apply(timestampMs, high, low, close);
    }

    internal void Apply(long timestampMs, double high, double low, double close)
    {
        _lastTimestampMs = timestampMs;
        _lastClose = close;
        _window.Add(high, low);
    }

    public WilliamsRState Snapshot() => new(_lastTimestampMs, _lastClose, _window.Snapshot());

    public static WilliamsR Restore(WilliamsRState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Window);
        var willR = new WilliamsR(state.Window.Period);
        willR._window = RollingExtremes.Restore(state.Window, state.Window.Period, willR.Name);
        willR._lastTimestampMs = state.LastTimestampMs;
        willR._lastClose = state.LastClose;
        return willR;
    }
}
