namespace Enigma.Domain.Indicators;

/// <summary>Snapshot of an SMA-seeded exponential average.</summary>
public sealed record SeededEmaState(int Period, int Count, double SeedSum, double Value);

/// <summary>
/// Exponential moving average the way TA-Lib computes it: alpha = 2 / (period + 1), seeded with the simple mean
/// of the first <c>period</c> values, then <c>ema += (x - ema) * alpha</c>.
/// </summary>
internal sealed class SeededEma
{
    private readonly double _alpha;
    private int _count;
    private double _seedSum;
    private double _value;

    public SeededEma(int period)
    {
        Period = period;
        _alpha = 2.0 / (period + 1);
    }

    public int Period { get; }

    public bool IsReady => _count >= Period;

    public double Value => _value;

    public void Add(double x)
    {
        if (_count >= Period)
        {
            _value = ((x - _value) * _alpha) + _value;
            return;
        }

        _seedSum += x;
        if (++_count == Period)
        {
            _value = _seedSum / Period;
        }
    }

    public SeededEmaState Snapshot() => new(Period, _count, _seedSum, _value);

    public static SeededEma Restore(SeededEmaState state, int expectedPeriod, string owner)
    {
        IndicatorState.Require(state is not null, owner, "average state is missing");
        IndicatorState.Require(state!.Period == expectedPeriod, owner, $"average period {state.Period} does not match {expectedPeriod}");
        IndicatorState.Require(state.Count >= 0 && state.Count <= state.Period, owner, "average count is out of range");
        return new SeededEma(state.Period) { _count = state.Count, _seedSum = state.SeedSum, _value = state.Value };
    }
}
