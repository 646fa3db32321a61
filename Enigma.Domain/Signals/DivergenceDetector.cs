namespace Enigma.Domain.Signals;

public enum DivergenceKind
{
    /// <summary>Price makes a lower low, the oscillator a higher low: selling is losing force (reversal up).</summary>
    RegularBullish,

    /// <summary>Price makes a higher low, the oscillator a lower low: an uptrend's pullback (continuation up).</summary>
    HiddenBullish,

    /// <summary>Price makes a higher high, the oscillator a lower high: buying is losing force (reversal down).</summary>
    RegularBearish,

    /// <summary>Price makes a lower high, the oscillator a higher high: a downtrend's bounce (continuation down).</summary>
    HiddenBearish,
}

/// <summary>A divergence between two consecutive price pivots of the same kind and one oscillator's values on them.</summary>
public readonly record struct Divergence(DivergenceKind Kind, Oscillator Oscillator, Pivot First, Pivot Second, double Strength)
{
    public bool IsBullish => Kind is DivergenceKind.RegularBullish or DivergenceKind.HiddenBullish;

    /// <summary>Bars from the first pivot to the second.</summary>
    public long Bars => Second.BarIndex - First.BarIndex;

    /// <summary>When the divergence became known: the close of the bar that confirmed the second pivot.</summary>
    public long ConfirmedAtMs => Second.ConfirmedAtMs;
}

/// <summary>Parameters of divergence detection; the defaults and their reasons are in knowledge-bank/truth-docs/formulas.md.</summary>
public sealed record DivergenceSettings
{
    public static readonly DivergenceSettings Default = new();

    /// <summary>Bars on each side that confirm a pivot (and the delay before it is known).</summary>
    public int PivotStrength { get; init; } = 3;

    /// <summary>Pivots closer than this are one swing's noise, not two swings.</summary>
    public int MinBarsBetweenPivots { get; init; } = 5;

    /// <summary>Pivots further apart than this belong to different market phases.</summary>
    public int MaxBarsBetweenPivots { get; init; } = 60;

    /// <summary>RSI points of disagreement that make a divergence full strength.</summary>
    public double RsiFullStrengthPoints { get; init; } = 10.0;

    /// <summary>Stochastic %K points of disagreement that make a divergence full strength.</summary>
    public double StochasticFullStrengthPoints { get; init; } = 20.0;

    public void Validate()
    {
        if (PivotStrength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PivotStrength), PivotStrength, "A pivot needs at least one bar on each side.");
        }

        if (MinBarsBetweenPivots < 1 || MaxBarsBetweenPivots < MinBarsBetweenPivots)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBarsBetweenPivots), MaxBarsBetweenPivots,
                $"Need 1 <= MinBarsBetweenPivots ({MinBarsBetweenPivots}) <= MaxBarsBetweenPivots.");
        }

        if (!(RsiFullStrengthPoints > 0) || !(StochasticFullStrengthPoints > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(RsiFullStrengthPoints), "Full-strength points must be positive.");
        }
    }
}

/// <summary>
/// Regular and hidden, bullish and bearish divergences between price swings and the oscillators' values on those
/// swings (RSI, MACD histogram, Stochastic %K, OBV, AO). Price swings are <see cref="PivotDetector"/> pivots, so a
/// divergence is known only when its second pivot is confirmed, <see cref="DivergenceSettings.PivotStrength"/> bars
/// after the swing itself. Each new pivot is compared with the previous pivot of its kind when they are between
/// <see cref="DivergenceSettings.MinBarsBetweenPivots"/> and <see cref="DivergenceSettings.MaxBarsBetweenPivots"/> bars apart.
/// </summary>
public sealed class DivergenceDetector
{
    private static readonly Oscillator[] Oscillators = Enum.GetValues<Oscillator>();
    private readonly PivotDetector _pivots;
    private Pivot? _lastHigh;
    private Pivot? _lastLow;

    public DivergenceDetector(DivergenceSettings? settings = null)
    {
        Settings = settings ?? DivergenceSettings.Default;
        Settings.Validate();
        _pivots = new PivotDetector(Settings.PivotStrength);
    }

    public DivergenceSettings Settings { get; }

    /// <summary>Takes one closed bar and appends to <paramref name="found"/> every divergence it confirms.</summary>
    public void Add(long closeTimeMs, double high, double low, in OscillatorValues oscillators, ICollection<Divergence> found)
    {
        ArgumentNullException.ThrowIfNull(found);
        var (pivotHigh, pivotLow) = _pivots.Add(closeTimeMs, high, low, oscillators);
        if (pivotLow is { } newLow)
        {
            AddPivot(newLow, found);
        }

        if (pivotHigh is { } newHigh)
        {
            AddPivot(newHigh, found);
        }
    }

    /// <summary>Takes a pivot confirmed by a <see cref="PivotDetector"/> the caller runs (so several detectors can share one).</summary>
    public void AddPivot(in Pivot pivot, ICollection<Divergence> found)
    {
        ArgumentNullException.ThrowIfNull(found);
        if (pivot.Kind == PivotKind.Low)
        {
            Compare(_lastLow, pivot, found);
            _lastLow = pivot;
        }
        else
        {
            Compare(_lastHigh, pivot, found);
            _lastHigh = pivot;
        }
    }

    private void Compare(Pivot? previous, Pivot current, ICollection<Divergence> found)
    {
        if (previous is not { } first)
        {
            return;
        }

        var bars = current.BarIndex - first.BarIndex;
        if (bars < Settings.MinBarsBetweenPivots || bars > Settings.MaxBarsBetweenPivots || current.Price == first.Price)
        {
            return;
        }

        var priceRose = current.Price > first.Price;
        foreach (var oscillator in Oscillators)
        {
            var a = first.Oscillators[oscillator];
            var b = current.Oscillators[oscillator];
            if (double.IsNaN(a) || double.IsNaN(b) || a == b)
            {
                continue;
            }

            var oscillatorRose = b > a;
            if (priceRose == oscillatorRose)
            {
                continue;
            }

            var kind = (current.Kind, priceRose) switch
            {
                (PivotKind.Low, false) => DivergenceKind.RegularBullish,
                (PivotKind.Low, true) => DivergenceKind.HiddenBullish,
                (PivotKind.High, true) => DivergenceKind.RegularBearish,
                _ => DivergenceKind.HiddenBearish,
            };
            found.Add(new Divergence(kind, oscillator, first, current, Strength(oscillator, a, b)));
        }
    }

    /// <summary>
    /// How strongly the oscillator disagrees with price, in [0, 1]: bounded oscillators by points (RSI 10, %K 20 points
    /// is full strength), unbounded ones (MACD histogram, AO, OBV) by the change relative to the larger of the two values.
    /// </summary>
    private double Strength(Oscillator oscillator, double a, double b)
    {
        var move = Math.Abs(b - a);
        var strength = oscillator switch
        {
            Oscillator.Rsi => move / Settings.RsiFullStrengthPoints,
            Oscillator.StochasticK => move / Settings.StochasticFullStrengthPoints,
            _ => move / Math.Max(Math.Abs(a), Math.Abs(b)),
        };
        return Math.Min(1.0, strength);
    }
}
