using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record AwesomeOscillatorState(long LastTimestampMs, RollingMeanState Fast, RollingMeanState Slow);

/// <summary>
/// Awesome Oscillator = SMA(fast) - SMA(slow) of the median price (high + low) / 2; Bill Williams' 5 and 34 by
/// default (TA-Lib's APO of MEDPRICE with simple averages). First value at row slow - 1 (33).
/// </summary>
public sealed class AwesomeOscillator
{
    private RollingMean _fast;
    private RollingMean _slow;
    private long _lastTimestampMs = long.MinValue;

    public AwesomeOscillator(int fastPeriod = 5, int slowPeriod = 34)
    {
        IndicatorState.RequirePeriod(fastPeriod, nameof(fastPeriod));
        if (slowPeriod <= fastPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(slowPeriod), slowPeriod, $"The slow period must be longer than the fast period ({fastPeriod}).");
        }

        _fast = new RollingMean(fastPeriod);
        _slow = new RollingMean(slowPeriod);
        Name = string.Create(CultureInfo.InvariantCulture, $"AO({fastPeriod},{slowPeriod})");
    }

    public int FastPeriod => _fast.Period;

    public int SlowPeriod => _slow.Period;

    public string Name { get; }

    public bool IsReady => _slow.IsFull;

    public double? Value => _slow.IsFull ? _fast.Mean - _slow.Mean : null;

    public void Update(in Candle candle) => Update(candle.OpenTimeMs, (double)candle.High, (double)candle.Low);

    public void Update(long timestampMs, double high, double low)
    {
        InputGuard.Time(Name, _lastTimestampMs, timestampMs);
        InputGuard.Range(Name, high, low, low, timestampMs);
        Apply(timestampMs, high, low);
    }

    internal void Apply(long timestampMs, double high, double low)
    {
        _lastTimestampMs = timestampMs;
        var median = (high + low) / 2;
        _fast.Add(median);
        _slow.Add(median);
    }

    public AwesomeOscillatorState Snapshot() => new(_lastTimestampMs, _fast.Snapshot(), _slow.Snapshot());

    public static AwesomeOscillator Restore(AwesomeOscillatorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Fast);
        ArgumentNullException.ThrowIfNull(state.Slow);
        var ao = new AwesomeOscillator(state.Fast.Period, state.Slow.Period);
        ao._fast = RollingMean.Restore(state.Fast, state.Fast.Period, ao.Name);
        ao._slow = RollingMean.Restore(state.Slow, state.Slow.Period, ao.Name);
        ao._lastTimestampMs = state.LastTimestampMs;
        return ao;
    }
}
