using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

public sealed record KdjState(int KSmoothing, int DSmoothing, long LastTimestampMs, double K, double D, RollingExtremesState Window);

/// <summary>
/// KDJ(n, m1, m2), the stochastic variant common on Asian exchanges:
/// RSV = (C - LLV(L, n)) / (HHV(H, n) - LLV(L, n)) * 100 (50 when the window is flat),
/// K = ((m1 - 1) * K' + RSV) / m1 and D = ((m2 - 1) * D' + K) / m2, both starting from 50, J = 3K - 2D.
/// First value at row n - 1. J is not bounded to [0, 100]: it overshoots on purpose.
/// </summary>
public sealed class Kdj
{
    private RollingExtremes _window;
    private long _lastTimestampMs = long.MinValue;
    private double _k = 50.0;
    private double _d = 50.0;

    public Kdj(int period = 9, int kSmoothing = 3, int dSmoothing = 3)
    {
        _window = new RollingExtremes(IndicatorState.RequirePeriod(period, nameof(period)));
        KSmoothing = IndicatorState.RequirePeriod(kSmoothing, nameof(kSmoothing));
        DSmoothing = IndicatorState.RequirePeriod(dSmoothing, nameof(dSmoothing));
        Name = string.Create(CultureInfo.InvariantCulture, $"KDJ({period},{kSmoothing},{dSmoothing})");
    }

    public int Period => _window.Period;

    public int KSmoothing { get; }

    public int DSmoothing { get; }

    public string Name { get; }

    public bool IsReady => _window.IsFull;

    public KdjValue? Value => _window.IsFull ? new KdjValue(_k, _d, (3 * _k) - (2 * _d)) : null;

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
        if (_window.AddForPercentK(high, low, close) is not { } rsv)
        {
            return;
        }

        // ((m - 1) * prev + x) / m rather than (m - 1) / m * prev + x / m: the same number, but a steady input
        // (a flat market, RSV = 50) then stays exactly 50 instead of drifting by an ulp.
        _k = (((KSmoothing - 1) * _k) + rsv) / KSmoothing;
        _d = (((DSmoothing - 1) * _d) + _k) / DSmoothing;
    }

    public KdjState Snapshot() => new(KSmoothing, DSmoothing, _lastTimestampMs, _k, _d, _window.Snapshot());

    public static Kdj Restore(KdjState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Window);
        var kdj = new Kdj(state.Window.Period, state.KSmoothing, state.DSmoothing);
        kdj._window = RollingExtremes.Restore(state.Window, state.Window.Period, kdj.Name);
        kdj._lastTimestampMs = state.LastTimestampMs;
        kdj._k = state.K;
        kdj._d = state.D;
        return kdj;
    }
}
