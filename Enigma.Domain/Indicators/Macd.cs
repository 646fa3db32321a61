using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record MacdState(int FastPeriod, int SlowPeriod, int SignalPeriod, long Bars, long LastTimestampMs, SeededEmaState Fast, SeededEmaState Slow, SeededEmaState Signal);

/// <summary>
/// MACD(fast, slow, signal) with TA-Lib's seeding: both EMAs use alpha = 2 / (n + 1); the fast EMA starts late,
/// seeded with the mean of closes (slow - fast)..(slow - 1), so that both EMAs produce their first value on the
/// same bar (row 25 for 12/26); the signal line is an EMA of the MACD line seeded with the mean of its first
/// <c>signal</c> values. MACD, signal and histogram (MACD - signal) all start at row slow + signal - 2 (33).
/// </summary>
public sealed class Macd
{
    private SeededEma _fast;
    private SeededEma _slow;
    private SeededEma _signal;
    private long _bars;
    private long _lastTimestampMs = long.MinValue;

    public Macd(int fastPeriod = 12, int slowPeriod = 26, int signalPeriod = 9)
    {
        IndicatorState.RequirePeriod(fastPeriod, nameof(fastPeriod));
        IndicatorState.RequirePeriod(signalPeriod, nameof(signalPeriod));
        if (slowPeriod <= fastPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(slowPeriod), slowPeriod, $"The slow period must be longer than the fast period ({fastPeriod}).");
        }

        _fast = new SeededEma(fastPeriod);
        _slow = new SeededEma(slowPeriod);
        _signal = new SeededEma(signalPeriod);
        Name = string.Create(CultureInfo.InvariantCulture, $"MACD({fastPeriod},{slowPeriod},{signalPeriod})");
    }

    public int FastPeriod => _fast.Period;

    public int SlowPeriod => _slow.Period;

    public int SignalPeriod => _signal.Period;

    public string Name { get; }

    public bool IsReady => _signal.IsReady;

    public MacdValue? Value
    {
        get
        {
            if (!_signal.IsReady)
            {
                return null;
            }

            var macd = _fast.Value - _slow.Value;
            return new MacdValue(macd, _signal.Value, macd - _signal.Value);
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
        _slow.Add(close);
        if (_bars++ >= SlowPeriod - FastPeriod)
        {
            _fast.Add(close);
        }

        if (_slow.IsReady)
        {
            _signal.Add(_fast.Value - _slow.Value);
        }
    }

    public MacdState Snapshot() =>
        new(FastPeriod, SlowPeriod, SignalPeriod, _bars, _lastTimestampMs, _fast.Snapshot(), _slow.Snapshot(), _signal.Snapshot());

    public static Macd Restore(MacdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var macd = new Macd(state.FastPeriod, state.SlowPeriod, state.SignalPeriod);
        IndicatorState.Require(state.Bars >= 0, macd.Name, "bar count is negative");
        macd._fast = SeededEma.Restore(state.Fast, state.FastPeriod, macd.Name);
        macd._slow = SeededEma.Restore(state.Slow, state.SlowPeriod, macd.Name);
        macd._signal = SeededEma.Restore(state.Signal, state.SignalPeriod, macd.Name);
        macd._bars = state.Bars;
        macd._lastTimestampMs = state.LastTimestampMs;
        return macd;
    }
}
