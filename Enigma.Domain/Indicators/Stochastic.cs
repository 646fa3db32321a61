using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record StochasticState(long LastTimestampMs, RollingExtremesState Window, RollingMeanState SlowK, RollingMeanState SlowD);

/// <summary>
/// Slow stochastic (k, kSmoothing, d), TA-Lib's STOCH with simple averages: raw %K = 100 * (C - LL) / (HH - LL)
/// over <c>k</c> bars, slow %K = SMA(kSmoothing) of raw %K, %D = SMA(d) of slow %K. Both lines start at row
/// k + kSmoothing + d - 3 (17 for 14,3,3). A flat window (HH = LL) gives raw %K = 50, the middle of the range;
/// TA-Lib writes 0 there.
/// </summary>
public sealed class Stochastic
{
    private RollingExtremes _window;
    private RollingMean _slowK;
    private RollingMean _slowD;
    private long _lastTimestampMs = long.MinValue;

    public Stochastic(int kPeriod = 14, int kSmoothing = 3, int dPeriod = 3)
    {
        _window = new RollingExtremes(IndicatorState.RequirePeriod(kPeriod, nameof(kPeriod)));
        _slowK = new RollingMean(IndicatorState.RequirePeriod(kSmoothing, nameof(kSmoothing)));
        _slowD = new RollingMean(IndicatorState.RequirePeriod(dPeriod, nameof(dPeriod)));
        Name = string.Create(CultureInfo.InvariantCulture, $"STOCH({kPeriod},{kSmoothing},{dPeriod})");
    }

    public int KPeriod => _window.Period;

    public int KSmoothing => _slowK.Period;

    public int DPeriod => _slowD.Period;

    public string Name { get; }

    public bool IsReady => _slowD.IsFull;

    public StochasticValue? Value => _slowD.IsFull ? new StochasticValue(_slowK.Mean, _slowD.Mean) : null;

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
        if (_window.AddForPercentK(high, low, close) is not { } rawK)
        {
            return;
        }

        _slowK.Add(rawK);
        if (_slowK.IsFull)
        {
            _slowD.Add(_slowK.Mean);
        }
    }

    public StochasticState Snapshot() => new(_lastTimestampMs, _window.Snapshot(), _slowK.Snapshot(), _slowD.Snapshot());

    public static Stochastic Restore(StochasticState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Window);
        ArgumentNullException.ThrowIfNull(state.SlowK);
        ArgumentNullException.ThrowIfNull(state.SlowD);
        var stochastic = new Stochastic(state.Window.Period, state.SlowK.Period, state.SlowD.Period);
        stochastic._window = RollingExtremes.Restore(state.Window, state.Window.Period, stochastic.Name);
        stochastic._slowK = RollingMean.Restore(state.SlowK, state.SlowK.Period, stochastic.Name);
        stochastic._slowD = RollingMean.Restore(state.SlowD, state.SlowD.Period, stochastic.Name);
        stochastic._lastTimestampMs = state.LastTimestampMs;
        return stochastic;
    }
}
