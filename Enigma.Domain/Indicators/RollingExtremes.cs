using System.Collections.Immutable;

namespace Enigma.Domain.Indicators;

/// <summary>Snapshot of a rolling highest-high / lowest-low window: the raw values, oldest first.</summary>
public sealed record RollingExtremesState(int Period, ImmutableArray<double> Highs, ImmutableArray<double> Lows);

/// <summary>
/// Highest high and lowest low over the last <c>period</c> bars (the current one included) in amortised O(1):
/// monotonic deques of (index, value). The raw window is kept only so a snapshot can rebuild the deques exactly.
/// </summary>
internal sealed class RollingExtremes
{
    private readonly MonotonicDeque _maxima;
    private readonly MonotonicDeque _minima;
    private readonly RingBuffer _highs;
    private readonly RingBuffer _lows;
    private long _next;

    public RollingExtremes(int period)
    {
        _maxima = new MonotonicDeque(period);
        _minima = new MonotonicDeque(period);
        _highs = new RingBuffer(period);
        _lows = new RingBuffer(period);
    }

    public int Period => _highs.Capacity;

    public bool IsFull => _highs.IsFull;

    public double Highest => _maxima.FrontValue;

    public double Lowest => _minima.FrontValue;

    public void Add(double high, double low)
    {
        var index = _next++;
        var oldest = index - _highs.Capacity;
        _maxima.Add(index, high, oldest, keepLarger: true);
        _minima.Add(index, low, oldest, keepLarger: false);
        _highs.Push(high, out _);
        _lows.Push(low, out _);
    }

    public RollingExtremesState Snapshot() => new(Period, _highs.ToImmutableArray(), _lows.ToImmutableArray());

    public static RollingExtremes Restore(RollingExtremesState state, int expectedPeriod, string owner)
    {
        IndicatorState.Require(state is not null, owner, "high/low window state is missing");
        IndicatorState.Require(state!.Period == expectedPeriod, owner, $"high/low window period {state.Period} does not match {expectedPeriod}");
        IndicatorState.Require(state.Highs.Length == state.Lows.Length && state.Highs.Length <= state.Period, owner, "high/low window has inconsistent lengths");
        var extremes = new RollingExtremes(state.Period);
        for (var i = 0; i < state.Highs.Length; i++)
        {
            extremes.Add(state.Highs[i], state.Lows[i]);
        }

        return extremes;
    }

    /// <summary>A circular deque of (index, value) kept monotonic so its front is the window's extreme.</summary>
    private sealed class MonotonicDeque(int capacity)
    {
        private readonly long[] _indices = new long[capacity];
        private readonly double[] _values = new double[capacity];
        private int _head;
        private int _count;

        public double FrontValue => _values[_head];

        public void Add(long index, double value, long expiredAtOrBefore, bool keepLarger)
        {
            while (_count > 0 && _indices[_head] <= expiredAtOrBefore)
            {
                _head = Wrap(_head + 1);
                _count--;
            }

            while (_count > 0)
            {
                var back = Wrap(_head + _count - 1);
                var dominated = keepLarger ? _values[back] <= value : _values[back] >= value;
                if (!dominated)
                {
                    break;
                }

                _count--;
            }

            var slot = Wrap(_head + _count);
            _indices[slot] = index;
            _values[slot] = value;
            _count++;
        }

        private int Wrap(int i) => i >= _indices.Length ? i - _indices.Length : i;
    }
}
