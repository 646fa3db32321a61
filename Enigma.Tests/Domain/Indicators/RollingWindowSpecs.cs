using Enigma.Domain.Indicators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Enigma.Tests.Domain.Indicators;

/// <summary>A window period and a stream of (high, low) pairs for the rolling primitives.</summary>
public sealed record WindowCase(int Period, (double High, double Low)[] Bars, int Cut);

public static class WindowCaseArbitrary
{
    public static Arbitrary<WindowCase> Cases() =>
        (from period in Gen.Choose(1, 40)
         from bars in Gen.ArrayOf(Bar())
         from cut in Gen.Choose(0, 200)
         select new WindowCase(period, bars, Math.Min(cut, bars.Length))).ToArbitrary();

    private static Gen<(double, double)> Bar() =>
        from low in Gen.Choose(0, 50)
        from spread in Gen.Choose(0, 5)
        select ((double)(low + spread), (double)low);
}

/// <summary>The rolling primitives every indicator is built on, against a scan of the window.</summary>
[Properties(Arbitrary = [typeof(WindowCaseArbitrary)], MaxTest = 500)]
public sealed class RollingWindowSpecs
{
    [Property]
    public void Rolling_extremes_must_equal_a_scan_of_the_window_at_any_period(WindowCase c)
    {
        var extremes = new RollingExtremes(c.Period);
        for (var i = 0; i < c.Bars.Length; i++)
        {
            if (i == c.Cut)
            {
                extremes = RollingExtremes.Restore(extremes.Snapshot(), c.Period, "test");
            }

            extremes.Add(c.Bars[i].High, c.Bars[i].Low);
            var window = c.Bars[Math.Max(0, i - c.Period + 1)..(i + 1)];
            Assert.Equal(window.Max(b => b.High), extremes.Highest);
            Assert.Equal(window.Min(b => b.Low), extremes.Lowest);
            Assert.Equal(i + 1 >= c.Period, extremes.IsFull);
        }
    }

    [Property]
    public void Rolling_mean_and_variance_must_equal_a_two_pass_computation(WindowCase c)
    {
        var mean = new RollingMean(c.Period);
        var moments = new RollingMoments(c.Period);
        for (var i = 0; i < c.Bars.Length; i++)
        {
            var x = c.Bars[i].High;
            mean.Add(x);
            moments.Add(x);
            var window = c.Bars[Math.Max(0, i - c.Period + 1)..(i + 1)].Select(b => b.High).ToArray();
            if (window.Length == c.Period)
            {
                var expected = window.Average();
                Assert.Equal(expected, mean.Mean, tolerance: 1e-9);
                Assert.Equal(expected, moments.Mean, tolerance: 1e-9);
                Assert.Equal(window.Sum(v => (v - expected) * (v - expected)) / window.Length, moments.Variance, tolerance: 1e-9);
            }
        }
    }
}
