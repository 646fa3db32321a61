namespace Enigma.Domain.Signals;

public enum PivotKind
{
    High,
    Low,
}

/// <summary>
/// A swing high or low of price, found on bar <see cref="BarIndex"/> (closed at <see cref="BarCloseTimeMs"/>) and known only at <see cref="ConfirmedAtMs"/>,
/// when the <c>strength</c> bars after it had closed. Carries the oscillators' values on the pivot bar.
/// </summary>
public readonly record struct Pivot(PivotKind Kind, long BarIndex, long BarCloseTimeMs, long ConfirmedAtMs, double Price, OscillatorValues Oscillators);

/// <summary>
/// Swing pivots confirmed by <c>strength</c> bars on each side (a fractal of order N; Bill Williams' fractal is N = 2).
/// A bar is a pivot high when its high is above the highs of the N bars before it and not below the highs of the N
/// bars after it (strict on the left, loose on the right, so a flat top of equal highs yields one pivot, its first
/// bar); a pivot low mirrors it. A pivot is reported on the bar that confirms it, N bars after it happened, and
/// never earlier: that delay is the honest price of knowing it is a swing.
/// </summary>
public sealed class PivotDetector
{
    private readonly long[] _times;
    private readonly double[] _highs;
    private readonly double[] _lows;
    private readonly OscillatorValues[] _oscillators;
    private long _bars;
    private long _lastCloseTimeMs = long.MinValue;

    public PivotDetector(int strength = 3)
    {
        if (strength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "A pivot needs at least one bar on each side.");
        }

        Strength = strength;
        var window = (2 * strength) + 1;
        _times = new long[window];
        _highs = new double[window];
        _lows = new double[window];
        _oscillators = new OscillatorValues[window];
    }

    /// <summary>Bars on each side that confirm a pivot.</summary>
    public int Strength { get; }

    /// <summary>
    /// Takes one closed bar (its close time, high, low, and the oscillators on it) and returns the pivots this bar
    /// confirms: at most one high and one low, both on the bar <see cref="Strength"/> bars back.
    /// </summary>
    public (Pivot? High, Pivot? Low) Add(long closeTimeMs, double high, double low, in OscillatorValues oscillators)
    {
        if (closeTimeMs <= _lastCloseTimeMs || !(low <= high))
        {
            throw new ArgumentException(
                $"Pivot detector: bar closing at {closeTimeMs} must come after {_lastCloseTimeMs} and have low <= high (got low {low}, high {high}).");
        }

        _lastCloseTimeMs = closeTimeMs;
        var window = _highs.Length;
        var slot = (int)(_bars % window);
        _times[slot] = closeTimeMs;
        _highs[slot] = high;
        _lows[slot] = low;
        _oscillators[slot] = oscillators;
        _bars++;
        if (_bars < window)
        {
            return (null, null);
        }

        // The candidate sits Strength bars back; the window holds Strength bars on either side of it.
        var candidateIndex = _bars - 1 - Strength;
        var candidate = (int)(candidateIndex % window);
        var isHigh = true;
        var isLow = true;
        for (var k = 1; k <= Strength && (isHigh || isLow); k++)
        {
            var before = (int)((candidateIndex - k) % window);
            var after = (int)((candidateIndex + k) % window);
            isHigh &= _highs[candidate] > _highs[before] && _highs[candidate] >= _highs[after];
            isLow &= _lows[candidate] < _lows[before] && _lows[candidate] <= _lows[after];
        }

        return (
            isHigh ? new Pivot(PivotKind.High, candidateIndex, _times[candidate], closeTimeMs, _highs[candidate], _oscillators[candidate]) : null,
            isLow ? new Pivot(PivotKind.Low, candidateIndex, _times[candidate], closeTimeMs, _lows[candidate], _oscillators[candidate]) : null);
    }
}
