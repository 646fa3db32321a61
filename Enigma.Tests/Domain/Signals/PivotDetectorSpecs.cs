using Enigma.Domain.Signals;

namespace Enigma.Tests.Domain.Signals;

public sealed class PivotDetectorSpecs
{
    [Fact]
    public void A_swing_low_must_be_reported_exactly_strength_bars_after_it_and_not_before()
    {
        var detector = new PivotDetector(strength: 3);
        double[] lows = [10, 9, 8, 7, 8, 9, 10, 11];
        var reported = new List<(int AddedAt, Pivot Pivot)>();
        for (var i = 0; i < lows.Length; i++)
        {
            var (_, low) = detector.Add(CloseTime(i), lows[i] + 1, lows[i], OscillatorValues.None);
            if (low is { } pivot)
            {
                reported.Add((i, pivot));
            }
        }

        var (addedAt, found) = Assert.Single(reported);
        Assert.Equal(6, addedAt);
        Assert.Equal(3, found.BarIndex);
        Assert.Equal(7, found.Price);
        Assert.Equal(CloseTime(3), found.BarCloseTimeMs);
        Assert.Equal(CloseTime(6), found.ConfirmedAtMs);
    }

    [Fact]
    public void A_flat_top_must_yield_one_pivot_on_its_first_bar()
    {
        var detector = new PivotDetector(strength: 2);
        double[] highs = [1, 2, 3, 3, 3, 2, 1, 0];
        var pivots = new List<Pivot>();
        for (var i = 0; i < highs.Length; i++)
        {
            if (detector.Add(CloseTime(i), highs[i], highs[i] - 1, OscillatorValues.None).High is { } pivot)
            {
                pivots.Add(pivot);
            }
        }

        Assert.Equal(2, Assert.Single(pivots).BarIndex);
    }

    [Fact]
    public void A_low_that_is_undercut_within_the_confirmation_window_must_not_be_a_pivot()
    {
        var detector = new PivotDetector(strength: 3);
        double[] lows = [10, 9, 8, 7, 8, 6, 9, 10, 11, 12];
        var pivots = new List<long>();
        for (var i = 0; i < lows.Length; i++)
        {
            if (detector.Add(CloseTime(i), lows[i] + 1, lows[i], OscillatorValues.None).Low is { } pivot)
            {
                pivots.Add(pivot.BarIndex);
            }
        }

        Assert.Equal([5L], pivots);
    }

    [Fact]
    public void Bars_out_of_time_order_or_inverted_must_be_rejected()
    {
        var detector = new PivotDetector();
        detector.Add(CloseTime(1), 2, 1, OscillatorValues.None);
        Assert.Throws<ArgumentException>(() => detector.Add(CloseTime(1), 2, 1, OscillatorValues.None));
        Assert.Throws<ArgumentException>(() => detector.Add(CloseTime(2), 1, 2, OscillatorValues.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PivotDetector(0));
    }

    internal static long CloseTime(int bar) => (bar + 1) * 300_000L;
}
