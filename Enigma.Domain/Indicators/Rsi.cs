using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record RsiState(int Period, long Bars, long LastTimestampMs, double PreviousClose, double AverageGain, double AverageLoss);

/// <summary>
/// Wilder's Relative Strength Index, as TA-Lib computes it: the first average gain and loss are plain means of the
/// first <c>period</c> close-to-close changes, then each is smoothed as <c>avg = (avg * (period - 1) + x) / period</c>;
/// RSI = 100 * gain / (gain + loss). First value on the bar after <c>period</c> changes (row 14 for RSI(14)).
/// With no movement at all over the window (gain + loss = 0) RSI is 50, neither overbought nor oversold;
/// TA-Lib writes 0 there, which would read as deeply oversold.
/// </summary>
public sealed class Rsi
{
    private long _bars;
    private long _lastTimestampMs = long.MinValue;
    private double _previousClose;
    private double _gain;
    private double _loss;

    public Rsi(int period = 14)
    {
        Period = IndicatorState.RequirePeriod(period, nameof(period));
        Name = string.Create(CultureInfo.InvariantCulture, $"RSI({period})");
    }

    public int Period { get; }

    public string Name { get; }

    public bool IsReady => _bars > Period;

    public double? Value
    {
        get
        {
            if (!IsReady)
            {
                return null;
            }

            var total = _gain + _loss;
            return total == 0 ? 50.0 : 100.0 * (_gain / total);
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
        if (_bars++ == 0)
        {
            _previousClose = close;
            return;
        }

        var change = close - _previousClose;
        _previousClose = close;
        if (_bars <= Period + 1)
        {
            // Still collecting the first `period` changes: plain sums, divided once at the end.
            if (change < 0)
            {
                _loss -= change;
            }
            else
            {
                _gain += change;
            }

            if (_bars == Period + 1)
            {
                _loss /= Period;
                _gain /= Period;
            }

            return;
        }

        _loss *= Period - 1;
        _gain *= Period - 1;
        if (change < 0)
        {
            _loss -= change;
        }
        else
        {
            _gain += change;
        }

        _loss /= Period;
        _gain /= Period;
    }

    public RsiState Snapshot() => new(Period, _bars, _lastTimestampMs, _previousClose, _gain, _loss);

    public static Rsi Restore(RsiState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var rsi = new Rsi(state.Period);
        IndicatorState.Require(state.Bars >= 0, rsi.Name, "bar count is negative");
        rsi._bars = state.Bars;
        rsi._lastTimestampMs = state.LastTimestampMs;
        rsi._previousClose = state.PreviousClose;
        rsi._gain = state.AverageGain;
        rsi._loss = state.AverageLoss;
        return rsi;
    }
}
