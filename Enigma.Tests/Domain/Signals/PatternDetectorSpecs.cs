using Enigma.Domain.Signals;

namespace Enigma.Tests.Domain.Signals;

public sealed class PatternDetectorSpecs
{
    private const double HalfRange = 0.2;

    /// <summary>
    /// Bars along straight lines through the waypoints (bar, price): close on the line, high and low 0.2 either side,
    /// so the only swing pivots are the waypoints. Returns the patterns confirmed and each bar's close.
    /// </summary>
    private static (List<(ChartPattern Pattern, int Bar)> Found, double[] Closes) Run(params (int Bar, double Price)[] waypoints)
    {
        var closes = new double[waypoints[^1].Bar + 1];
        for (var w = 1; w < waypoints.Length; w++)
        {
            var (b0, p0) = waypoints[w - 1];
            var (b1, p1) = waypoints[w];
            for (var b = b0; b <= b1; b++)
            {
                closes[b] = p0 + ((p1 - p0) * (b - b0) / (b1 - b0));
            }
        }

        var pivots = new PivotDetector(3);
        var patterns = new PatternDetector();
        var confirmed = new List<ChartPattern>();
        var found = new List<(ChartPattern, int)>();
        for (var b = 0; b < closes.Length; b++)
        {
            var (high, low) = pivots.Add(PivotDetectorSpecs.CloseTime(b), closes[b] + HalfRange, closes[b] - HalfRange, OscillatorValues.None);
            if (low is { } l)
            {
                patterns.AddPivot(l);
            }

            if (high is { } h)
            {
                patterns.AddPivot(h);
            }

            confirmed.Clear();
            patterns.AddBar(b, PivotDetectorSpecs.CloseTime(b), closes[b], confirmed);
            found.AddRange(confirmed.Select(c => (c, b)));
        }

        return (found, closes);
    }

    private static int FirstCloseAfter(double[] closes, int from, Func<double, bool> crossed) =>
        FirstBarAfter(closes, from, b => crossed(closes[b]));

    private static int FirstBarAfter(double[] closes, int from, Func<int, bool> crossed) =>
        Enumerable.Range(from, closes.Length - from).First(crossed);

    [Fact]
    public void A_clean_head_and_shoulders_must_be_confirmed_on_the_first_close_below_its_neckline()
    {
        var (found, closes) = Run((0, 100), (8, 110), (16, 104), (24, 120), (32, 104), (40, 110), (56, 95));
        var (pattern, bar) = Assert.Single(found);
        Assert.Equal(PatternKind.HeadAndShoulders, pattern.Kind);
        Assert.False(pattern.IsBullish);
        Assert.Equal(FirstCloseAfter(closes, 41, c => c < 104 - HalfRange), bar);
        Assert.Equal(8, pattern.StartBarIndex);
        Assert.Equal(1.0, pattern.Strength, tolerance: 1e-9);
    }

    [Fact]
    public void An_inverse_head_and_shoulders_must_be_confirmed_on_the_first_close_above_its_neckline()
    {
        var (found, closes) = Run((0, 120), (8, 110), (16, 116), (24, 100), (32, 116), (40, 111), (56, 125));
        var (pattern, bar) = Assert.Single(found);
        Assert.Equal(PatternKind.InverseHeadAndShoulders, pattern.Kind);
        Assert.True(pattern.IsBullish);
        Assert.Equal(FirstCloseAfter(closes, 41, c => c > 116 + HalfRange), bar);
        Assert.InRange(pattern.Strength, 0.8, 1.0);
    }

    [Fact]
    public void Lopsided_shoulders_must_not_make_a_head_and_shoulders()
    {
        var (found, _) = Run((0, 100), (8, 110), (16, 104), (24, 120), (32, 104), (40, 116), (56, 95));
        Assert.Empty(found);
    }

    [Fact]
    public void A_pattern_whose_neckline_never_breaks_must_not_be_confirmed()
    {
        var (found, _) = Run((0, 100), (8, 110), (16, 104), (24, 120), (32, 104), (40, 110), (48, 106), (70, 125));
        Assert.DoesNotContain(found, f => f.Pattern.Kind == PatternKind.HeadAndShoulders);
    }

    [Fact]
    public void Double_tops_and_bottoms_must_be_confirmed_through_their_middle_swing()
    {
        var (tops, topCloses) = Run((0, 100), (8, 120), (16, 110), (24, 120), (40, 100));
        var (top, topBar) = Assert.Single(tops);
        Assert.Equal(PatternKind.DoubleTop, top.Kind);
        Assert.Equal(FirstCloseAfter(topCloses, 25, c => c < 110 - HalfRange), topBar);

        var (bottoms, _) = Run((0, 120), (8, 100), (16, 110), (24, 100.5), (40, 120));
        Assert.Equal(PatternKind.DoubleBottom, Assert.Single(bottoms).Pattern.Kind);
    }

    [Fact]
    public void A_rising_wedge_must_break_down_and_a_falling_wedge_break_up()
    {
        var (rising, risingCloses) = Run((0, 106), (6, 100), (12, 110), (18, 104), (24, 112), (30, 108), (36, 114), (48, 100));
        var (wedge, bar) = Assert.Single(rising);
        Assert.Equal(PatternKind.RisingWedge, wedge.Kind);
        Assert.False(wedge.IsBullish);
        // The lower line runs through the lows at bars 18 (104) and 30 (108): 1/3 per bar.
        Assert.Equal(FirstBarAfter(risingCloses, 37, b => risingCloses[b] < 104 - HalfRange + ((b - 18) / 3.0)), bar);

        var (falling, _) = Run((0, 108), (6, 114), (12, 104), (18, 110), (24, 102), (30, 106), (36, 100), (48, 114));
        Assert.Equal(PatternKind.FallingWedge, Assert.Single(falling).Pattern.Kind);
    }

    [Fact]
    public void Parallel_channels_must_not_be_wedges()
    {
        var (found, _) = Run((0, 106), (6, 100), (12, 110), (18, 104), (24, 114), (30, 108), (36, 118), (48, 100));
        Assert.DoesNotContain(found, f => f.Pattern.Kind is PatternKind.RisingWedge or PatternKind.FallingWedge);
    }
}
