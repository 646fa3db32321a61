using System.Collections.Immutable;

namespace Enigma.Domain.Indicators;

/// <summary>Snapshot of a rolling simple mean.</summary>
public sealed record RollingMeanState(int Period, ImmutableArray<double> Window, double Sum, int UntilResync);

/// <summary>
/// Simple moving average over the last <c>period</c> values in O(1): a running sum, as TA-Lib keeps it.
/// A running sum picks up rounding error with every add and subtract; every <c>period</c> updates it is summed
/// again from the window, which bounds the drift to one window's worth on series of any length.
/// </summary>
internal sealed class RollingMean
{
    private readonly RingBuffer _window;
    private double _sum;
    private int _untilResync;

    public RollingMean(int period)
    {
        _window = new RingBuffer(period);
        _untilResync = period;
    }

    public int Period => _window.Capacity;

    public bool IsFull => _window.IsFull;

    public int Count => _window.Count;

    public double Mean => _sum / _window.Capacity;

    public void Add(double value)
    {
        if (_window.Push(value, out var evicted))
        {
            _sum += value - evicted;
            if (--_untilResync == 0)
            {
                _untilResync = _window.Capacity;
                _sum = SumWindow();
            }
        }
        else
        {
            _sum += value;
        }
    }

    public RollingMeanState Snapshot() => new(Period, _window.ToImmutableArray(), _sum, _untilResync);

    public static RollingMean Restore(RollingMeanState state, int expectedPeriod, string owner)
    {
        IndicatorState.Require(state is not null, owner, "rolling mean state is missing");
        IndicatorState.Require(state!.Period == expectedPeriod, owner, $"rolling mean period {state.Period} does not match {expectedPeriod}");
        IndicatorState.Require(state.Window.Length <= state.Period, owner, "rolling mean window is longer than its period");
        IndicatorState.Require(state.UntilResync >= 1 && state.UntilResync <= state.Period, owner, "rolling mean resync counter is out of range");
        var mean = new RollingMean(state.Period);
        mean._window.Load(state.Window);
        mean._sum = state.Sum;
        mean._untilResync = state.UntilResync;
        return mean;
    }

    private double SumWindow()
    {
        var sum = 0.0;
        for (var i = 0; i < _window.Count; i++)
        {
            sum += _window[i];
        }

        return sum;
    }
}
