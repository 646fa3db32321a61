using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record EmaState(long LastTimestampMs, SeededEmaState Average);

/// <summary>
/// Exponential moving average of closes: alpha = 2 / (period + 1), seeded with the simple mean of the first
/// <c>period</c> closes (TA-Lib's default). First value at row period - 1.
/// </summary>
public sealed class Ema
{
    private SeededEma _average;
    private long _lastTimestampMs = long.MinValue;

    public Ema(int period)
    {
        _average = new SeededEma(IndicatorState.RequirePeriod(period, nameof(period)));
        Name = string.Create(CultureInfo.InvariantCulture, $"EMA({period})");
    }

    public int Period => _average.Period;

    public string Name { get; }

    public bool IsReady => _average.IsReady;

    public double? Value => _average.IsReady ? _average.Value : null;

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
        _average.Add(close);
    }

    public EmaState Snapshot() => new(_lastTimestampMs, _average.Snapshot());

    public static Ema Restore(EmaState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Average);
        var ema = new Ema(state.Average.Period);
        ema._average = SeededEma.Restore(state.Average, state.Average.Period, ema.Name);
        ema._lastTimestampMs = state.LastTimestampMs;
        return ema;
    }
}
