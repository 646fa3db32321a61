using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record AverageTrueRangeState(int Period, long Bars, long LastTimestampMs, double PreviousClose, double Value);

/// <summary>
/// Wilder's Average True Range, TA-Lib's convention: true range = max(high − low, |high − prev close|, |low − prev close|)
/// from the second bar on; the first ATR is the mean of the first <c>period</c> true ranges (row <c>period</c>), then
/// <c>atr = (atr × (period − 1) + tr) / period</c>. The Risk agent's volatility measure.
/// </summary>
public sealed class AverageTrueRange
{
    private long _bars;
    private long _lastTimestampMs = long.MinValue;
    private double _previousClose;
    private double _value;

    public AverageTrueRange(int period = 14)
    {
        Period = IndicatorState.RequirePeriod(period, nameof(period));
        Name = string.Create(CultureInfo.InvariantCulture, $"ATR({period})");
    }

    public int Period { get; }

    public string Name { get; }

    public bool IsReady => _bars > Period;

    public double? Value => IsReady ? _value : null;

    public void Update(in Candle candle) => Update(candle.OpenTimeMs, (double)candle.High, (double)candle.Low, (double)candle.Close);

    public void Update(long timestampMs, double high, double low, double close)
    {
        InputGuard.Time(Name, _lastTimestampMs, timestampMs);
        InputGuard.Range(Name, high, low, close, timestampMs);
        _lastTimestampMs = timestampMs;
        if (_bars++ > 0)
        {
            var trueRange = Math.Max(high - low, Math.Max(Math.Abs(high - _previousClose), Math.Abs(low - _previousClose)));
            _value = _bars <= Period + 1 ? _value + trueRange : ((_value * (Period - 1)) + trueRange) / Period;
            if (_bars == Period + 1)
            {
                _value /= Period;
            }
        }

        _previousClose = close;
    }

    public AverageTrueRangeState Snapshot() => new(Period, _bars, _lastTimestampMs, _previousClose, _value);

    public static AverageTrueRange Restore(AverageTrueRangeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var atr = new AverageTrueRange(state.Period);
        IndicatorState.Require(state.Bars >= 0, atr.Name, "bar count is negative");
        atr._bars = state.Bars;
        atr._lastTimestampMs = state.LastTimestampMs;
        atr._previousClose = state.PreviousClose;
        atr._value = state.Value;
        return atr;
    }
}
