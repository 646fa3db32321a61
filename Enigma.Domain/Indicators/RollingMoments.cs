using System.Collections.Immutable;

namespace Enigma.Domain.Indicators;

/// <summary>Snapshot of a rolling mean and variance.</summary>
public sealed record RollingMomentsState(int Period, ImmutableArray<double> Window, double Mean, double SquaredDeviations, int UntilResync);

/// <summary>
/// Mean and population variance over the last <c>period</c> values in O(1). Welford's update, adapted to a sliding
/// window, keeps the sum of squared deviations directly; the textbook sum-of-squares form (TA-Lib's) cancels
/// catastrophically when prices are large and the window is quiet. Recomputed exactly from the window every
/// <c>period</c> updates so rounding cannot accumulate.
/// </summary>
internal sealed class RollingMoments
{
    private readonly RingBuffer _window;
    private double _mean;
    private double _squaredDeviations;
    private int _untilResync;

    public RollingMoments(int period)
    {
        _window = new RingBuffer(period);
        _untilResync = period;
    }

    public int Period => _window.Capacity;

    public bool IsFull => _window.IsFull;

    public double Mean => _mean;

    /// <summary>Population variance (divides by the period, not period - 1), never negative.</summary>
    public double Variance => _squaredDeviations > 0 ? _squaredDeviations / _window.Count : 0.0;

    public void Add(double value)
    {
        if (_window.Push(value, out var evicted))
        {
            var previousMean = _mean;
            _mean += (value - evicted) / _window.Capacity;
            _squaredDeviations += (value - evicted) * (value - _mean + evicted - previousMean);
            if (--_untilResync == 0)
            {
                _untilResync = _window.Capacity;
                Recompute();
            }
        }
        else
        {
            var delta = value - _mean;
            _mean += delta / _window.Count;
            _squaredDeviations += delta * (value - _mean);
        }
    }

    public RollingMomentsState Snapshot() => new(Period, _window.ToImmutableArray(), _mean, _squaredDeviations, _untilResync);

    public static RollingMoments Restore(RollingMomentsState state, int expectedPeriod, string owner)
    {
        IndicatorState.Require(state is not null, owner, "rolling moments state is missing");
        IndicatorState.Require(state!.Period == expectedPeriod, owner, $"rolling moments period {state.Period} does not match {expectedPeriod}");
        IndicatorState.Require(state.Window.Length <= state.Period, owner, "rolling moments window is longer than its period");
        IndicatorState.Require(state.UntilResync >= 1 && state.UntilResync <= state.Period, owner, "rolling moments resync counter is out of range");
        var moments = new RollingMoments(state.Period);
        moments._window.Load(state.Window);
        moments._mean = state.Mean;
        moments._squaredDeviations = state.SquaredDeviations;
        moments._untilResync = state.UntilResync;
        return moments;
    }

    private void Recompute()
    {
        var sum = 0.0;
        for (var i = 0; i < _window.Count; i++)
        {
            sum += _window[i];
        }

        var mean = sum / _window.Count;
        var squares = 0.0;
        for (var i = 0; i < _window.Count; i++)
        {
            var d = _window[i] - mean;
            squares += d * d;
        }

        _mean = mean;
        _squaredDeviations = squares;
    }
}
