using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record OnBalanceVolumeState(long Bars, long LastTimestampMs, double PreviousClose, double Value);

/// <summary>
/// On-Balance Volume, TA-Lib's convention: OBV starts at the first bar's volume, then adds the volume of a bar
/// that closes higher, subtracts it when the close is lower, and leaves it unchanged when the close is equal.
/// (Libraries that start at 0 differ by a constant.) Defined from row 0.
/// </summary>
public sealed class OnBalanceVolume
{
    private long _bars;
    private long _lastTimestampMs = long.MinValue;
    private double _previousClose;
    private double _value;

    public string Name { get; } = "OBV";

    public bool IsReady => _bars > 0;

    public double? Value => _bars > 0 ? _value : null;

    public void Update(in Candle candle) => Update(candle.OpenTimeMs, (double)candle.Close, (double)candle.Volume);

    public void Update(long timestampMs, double close, double volume)
    {
        InputGuard.Time(Name, _lastTimestampMs, timestampMs);
        InputGuard.Value(Name, "close", close, timestampMs);
        InputGuard.Value(Name, "volume", volume, timestampMs);
        Apply(timestampMs, close, volume);
    }

    internal void Apply(long timestampMs, double close, double volume)
    {
        _lastTimestampMs = timestampMs;
        if (_bars++ == 0)
        {
            _value = volume;
        }
        else if (close > _previousClose)
        {
            _value += volume;
        }
        else if (close < _previousClose)
        {
            _value -= volume;
        }

        _previousClose = close;
    }

    public OnBalanceVolumeState Snapshot() => new(_bars, _lastTimestampMs, _previousClose, _value);

    public static OnBalanceVolume Restore(OnBalanceVolumeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var obv = new OnBalanceVolume();
        IndicatorState.Require(state.Bars >= 0, obv.Name, "bar count is negative");
        obv._bars = state.Bars;
        obv._lastTimestampMs = state.LastTimestampMs;
        obv._previousClose = state.PreviousClose;
        obv._value = state.Value;
        return obv;
    }
}
