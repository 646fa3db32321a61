namespace Enigma.Domain.Signals;

public enum PatternKind
{
    HeadAndShoulders,
    InverseHeadAndShoulders,
    DoubleTop,
    DoubleBottom,
    RisingWedge,
    FallingWedge,
}

/// <summary>A chart pattern confirmed by a close through its trigger line.</summary>
public readonly record struct ChartPattern(PatternKind Kind, long StartBarIndex, long StartTimeMs, long EndBarIndex, long ConfirmedAtMs, double Strength)
{
    /// <summary>Inverse head and shoulders, double bottom and falling wedge point up; the others down.</summary>
    public bool IsBullish => Kind is PatternKind.InverseHeadAndShoulders or PatternKind.DoubleBottom or PatternKind.FallingWedge;

    public long Bars => EndBarIndex - StartBarIndex;
}

/// <summary>Tolerances of the pattern rules, all relative to the pattern's own height (formulas.md gives the reasons).</summary>
public sealed record PatternSettings
{
    public static readonly PatternSettings Default = new();

    /// <summary>Head and shoulders: the shoulders may differ by this share of the pattern's height.</summary>
    public double ShoulderTolerance { get; init; } = 0.35;

    /// <summary>Head and shoulders: the two neckline swings may differ by this share of the height.</summary>
    public double NecklineTolerance { get; init; } = 0.35;

    /// <summary>Head and shoulders: the head must stand above the higher shoulder by this share of the height.</summary>
    public double HeadProminence { get; init; } = 0.15;

    /// <summary>Double top/bottom: the two tops may differ by this share of the height.</summary>
    public double DoubleTolerance { get; init; } = 0.15;

    /// <summary>Every pattern must be at least this tall relative to price (0.3%), or it is noise.</summary>
    public double MinHeightFraction { get; init; } = 0.003;

    /// <summary>A wedge's faster line must be at least this many times steeper than the slower one.</summary>
    public double WedgeConvergence { get; init; } = 1.2;

    /// <summary>A pattern not confirmed within this many times its own width (in bars) is dropped.</summary>
    public double ConfirmWithinWidths { get; init; } = 1.0;
}

/// <summary>
/// Head and shoulders (and inverse), double tops and bottoms, rising and falling wedges, recognised on the sequence
/// of confirmed swing pivots and confirmed only when a later bar closes through the pattern's trigger line (the
/// neckline, the middle swing, the wedge's lower or upper line). Until then a pattern is pending; it is dropped when
/// price invalidates it or when it waits longer than its own width. Runs only when a pivot is confirmed, plus a
/// check of the few pending patterns per bar, so it never slows a signal.
/// </summary>
public sealed class PatternDetector
{
    private const int SwingMemory = 6;
    private readonly List<Pivot> _swings = [];
    private readonly List<Pending> _pending = [];

    public PatternDetector(PatternSettings? settings = null) => Settings = settings ?? PatternSettings.Default;

    public PatternSettings Settings { get; }

    /// <summary>Takes a confirmed pivot and looks for patterns ending on it.</summary>
    public void AddPivot(in Pivot pivot)
    {
        if (_swings.Count > 0 && _swings[^1].Kind == pivot.Kind)
        {
            // Two swings of the same kind in a row: keep the more extreme one, so the sequence alternates.
            var last = _swings[^1];
            var moreExtreme = pivot.Kind == PivotKind.High ? pivot.Price > last.Price : pivot.Price < last.Price;
            if (!moreExtreme)
            {
                return;
            }

            _swings[^1] = pivot;
        }
        else
        {
            _swings.Add(pivot);
            if (_swings.Count > SwingMemory)
            {
                _swings.RemoveAt(0);
            }
        }

        LookForHeadAndShoulders();
        LookForDouble();
        LookForWedge();
    }

    /// <summary>Takes one closed bar and appends the patterns it confirms by closing through their trigger lines.</summary>
    public void AddBar(long barIndex, long closeTimeMs, double close, ICollection<ChartPattern> confirmed)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            var p = _pending[i];
            var trigger = p.TriggerAt(barIndex);
            var broke = p.Bullish ? close > trigger : close < trigger;
            var invalid = p.Bullish ? close < p.Invalidation : close > p.Invalidation;
            if (broke && barIndex > p.End.BarIndex)
            {
                confirmed.Add(new ChartPattern(p.Kind, p.Start.BarIndex, p.Start.BarCloseTimeMs, barIndex, closeTimeMs, p.Strength));
                _pending.RemoveAt(i);
            }
            else if (invalid || barIndex > p.Deadline)
            {
                _pending.RemoveAt(i);
            }
        }
    }

    private void LookForHeadAndShoulders()
    {
        if (_swings.Count < 5)
        {
            return;
        }

        var (s1, n1, head, n2, s2) = (_swings[^5], _swings[^4], _swings[^3], _swings[^2], _swings[^1]);
        var top = s2.Kind == PivotKind.High;
        var sign = top ? 1.0 : -1.0;

        // In "top" orientation: shoulders and head are highs, the neckline swings lows. Inverse: mirrored.
        var height = sign * (head.Price - (top ? Math.Min(n1.Price, n2.Price) : Math.Max(n1.Price, n2.Price)));
        var higherShoulder = top ? Math.Max(s1.Price, s2.Price) : Math.Min(s1.Price, s2.Price);
        if (!TallEnough(height, head.Price)
            || sign * (head.Price - higherShoulder) < Settings.HeadProminence * height
            || Math.Abs(s1.Price - s2.Price) > Settings.ShoulderTolerance * height
            || Math.Abs(n1.Price - n2.Price) > Settings.NecklineTolerance * height)
        {
            return;
        }

        var quality = 1 - (Math.Abs(s1.Price - s2.Price) / (Settings.ShoulderTolerance * height));
        TrackLine(top ? PatternKind.HeadAndShoulders : PatternKind.InverseHeadAndShoulders, !top, s1, s2, n1, n2, head.Price, quality);
    }

    private void LookForDouble()
    {
        if (_swings.Count < 3)
        {
            return;
        }

        var (first, middle, second) = (_swings[^3], _swings[^2], _swings[^1]);
        var top = second.Kind == PivotKind.High;
        var extreme = top ? Math.Max(first.Price, second.Price) : Math.Min(first.Price, second.Price);
        var height = Math.Abs(extreme - middle.Price);
        if (!TallEnough(height, extreme) || Math.Abs(first.Price - second.Price) > Settings.DoubleTolerance * height)
        {
            return;
        }

        var quality = 1 - (Math.Abs(first.Price - second.Price) / (Settings.DoubleTolerance * height));
        TrackLine(top ? PatternKind.DoubleTop : PatternKind.DoubleBottom, !top, first, second, middle, middle, extreme, quality);
    }

    private void LookForWedge()
    {
        if (_swings.Count < 6)
        {
            return;
        }

        // Three highs and three lows, alternating; the pattern ends on the latest swing. (Stack copies: this runs on
        // every confirmed swing, so it allocates nothing.)
        Span<Pivot> highs = stackalloc Pivot[3];
        Span<Pivot> lows = stackalloc Pivot[3];
        int h = 0, l = 0;
        for (var i = _swings.Count - 6; i < _swings.Count; i++)
        {
            if (_swings[i].Kind == PivotKind.High)
            {
                highs[h++] = _swings[i];
            }
            else
            {
                lows[l++] = _swings[i];
            }
        }

        var highsRise = highs[1].Price > highs[0].Price && highs[2].Price > highs[1].Price;
        var lowsRise = lows[1].Price > lows[0].Price && lows[2].Price > lows[1].Price;
        var highsFall = highs[1].Price < highs[0].Price && highs[2].Price < highs[1].Price;
        var lowsFall = lows[1].Price < lows[0].Price && lows[2].Price < lows[1].Price;
        var highSlope = Slope(highs[0], highs[2]);
        var lowSlope = Slope(lows[0], lows[2]);
        var start = _swings[^6];
        var end = _swings[^1];
        var height = Math.Max(highs[0].Price, Math.Max(highs[1].Price, highs[2].Price)) - Math.Min(lows[0].Price, Math.Min(lows[1].Price, lows[2].Price));
        if (!TallEnough(height, highs[2].Price))
        {
            return;
        }

        if (highsRise && lowsRise && lowSlope >= Settings.WedgeConvergence * highSlope)
        {
            // Rising wedge: lows climb faster than highs, buyers tire; bearish on a close below the lower line.
            TrackLine(PatternKind.RisingWedge, bullish: false, start, end, lows[1], lows[2], invalidation: highs[2].Price, quality: 1 - (highSlope / lowSlope));
        }
        else if (highsFall && lowsFall && -highSlope >= Settings.WedgeConvergence * -lowSlope)
        {
            // Falling wedge: highs fall faster than lows, sellers tire; bullish on a close above the upper line.
            TrackLine(PatternKind.FallingWedge, bullish: true, start, end, highs[1], highs[2], invalidation: lows[2].Price, quality: 1 - (lowSlope / highSlope));
        }
    }

    private bool TallEnough(double height, double price) => height > 0 && height >= Settings.MinHeightFraction * Math.Abs(price);

    private void TrackLine(PatternKind kind, bool bullish, in Pivot start, in Pivot end, in Pivot lineA, in Pivot lineB, double invalidation, double quality)
    {
        var width = end.BarIndex - start.BarIndex;
        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].Kind == kind)
            {
                _pending.RemoveAt(i);
            }
        }

        _pending.Add(new Pending(kind, bullish, start, end, lineA, lineB, invalidation,
            end.BarIndex + Math.Max(1, (long)(Settings.ConfirmWithinWidths * width)), Math.Clamp(quality, 0, 1)));
    }

    private static double Slope(in Pivot a, in Pivot b) => (b.Price - a.Price) / (b.BarIndex - a.BarIndex);

    private sealed record Pending(PatternKind Kind, bool Bullish, Pivot Start, Pivot End, Pivot LineA, Pivot LineB, double Invalidation, long Deadline, double Strength)
    {
        /// <summary>The trigger line (through two swings) at a bar; flat when both swings are on one bar.</summary>
        public double TriggerAt(long barIndex) =>
            LineB.BarIndex == LineA.BarIndex
                ? LineA.Price
                : LineA.Price + ((LineB.Price - LineA.Price) * (barIndex - LineA.BarIndex) / (LineB.BarIndex - LineA.BarIndex));
    }
}
