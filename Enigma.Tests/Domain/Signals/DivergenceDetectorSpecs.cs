using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Signals;

public sealed class DivergenceDetectorSpecs
{
    /// <summary>
    /// Two swing lows (or highs) <c>apart</c> bars apart: price moves one unit per bar away from the nearer swing (a W, or
    /// an M for highs), so the swings are the only pivots of their kind; the oscillator takes the given value on each
    /// swing bar and a neutral 50 elsewhere.
    /// </summary>
    private static List<Divergence> TwoSwings(PivotKind kind, double firstPrice, double secondPrice, double firstOscillator, double secondOscillator, int apart = 10, Oscillator oscillator = Oscillator.Rsi, DivergenceSettings? settings = null)
    {
        var detector = new DivergenceDetector(settings);
        var found = new List<Divergence>();
        var swingBars = new[] { 10, 10 + apart };
        var bars = 10 + apart + 10;
        for (var i = 0; i < bars; i++)
        {
            var distance = swingBars.Min(s => Math.Abs(i - s));
            var swing = Array.IndexOf(swingBars, i);
            var anchor = i < swingBars[0] + (apart / 2) ? firstPrice : secondPrice;
            var offset = distance;
            var (high, low) = kind == PivotKind.Low
                ? (anchor + offset + 1, anchor + offset)
                : (anchor - offset, anchor - offset - 1);
            var value = swing switch { 0 => firstOscillator, 1 => secondOscillator, _ => 50.0 };
            var oscillators = oscillator switch
            {
                Oscillator.Rsi => OscillatorValues.None with { Rsi = value },
                Oscillator.MacdHistogram => OscillatorValues.None with { MacdHistogram = value },
                Oscillator.Obv => OscillatorValues.None with { Obv = value },
                _ => throw new ArgumentOutOfRangeException(nameof(oscillator)),
            };
            detector.Add(PivotDetectorSpecs.CloseTime(i), high, low, oscillators, found);
        }

        return found;
    }

    [Fact]
    public void A_textbook_regular_bullish_divergence_must_be_found_when_its_second_low_is_confirmed()
    {
        var found = TwoSwings(PivotKind.Low, firstPrice: 100, secondPrice: 95, firstOscillator: 25, secondOscillator: 32);
        var divergence = Assert.Single(found);
        Assert.Equal(DivergenceKind.RegularBullish, divergence.Kind);
        Assert.Equal(Oscillator.Rsi, divergence.Oscillator);
        Assert.Equal(10, divergence.Bars);
        Assert.Equal(PivotDetectorSpecs.CloseTime(20 + 3), divergence.ConfirmedAtMs);
        Assert.Equal(0.7, divergence.Strength, tolerance: 1e-12);
        Assert.True(divergence.IsBullish);
    }

    [Fact]
    public void Hidden_and_bearish_divergences_must_be_told_apart()
    {
        Assert.Equal(DivergenceKind.HiddenBullish, Assert.Single(TwoSwings(PivotKind.Low, 100, 105, 30, 22)).Kind);
        Assert.Equal(DivergenceKind.RegularBearish, Assert.Single(TwoSwings(PivotKind.High, 100, 105, 75, 66)).Kind);
        Assert.Equal(DivergenceKind.HiddenBearish, Assert.Single(TwoSwings(PivotKind.High, 100, 95, 66, 75)).Kind);
        Assert.Equal(DivergenceKind.RegularBearish, Assert.Single(TwoSwings(PivotKind.High, 100, 105, 2.0, 1.0, oscillator: Oscillator.MacdHistogram)).Kind);
    }

    [Theory]
    [InlineData(100, 95, 32, 25)]   // lower low confirmed by a lower oscillator low: a trend, not a divergence
    [InlineData(100, 105, 25, 32)]  // higher low, higher oscillator low: agreement
    [InlineData(100, 100, 25, 32)]  // equal lows: no lower or higher low at all
    public void Swings_the_oscillator_agrees_with_must_not_fire(double firstPrice, double secondPrice, double firstOscillator, double secondOscillator)
    {
        Assert.Empty(TwoSwings(PivotKind.Low, firstPrice, secondPrice, firstOscillator, secondOscillator));
    }

    [Fact]
    public void Swings_too_close_or_too_far_apart_must_not_be_compared()
    {
        // The same two well-formed swings, 10 bars apart, fire by default and not when the limits exclude 10 bars.
        Assert.Single(TwoSwings(PivotKind.Low, 100, 95, 25, 32, apart: 10));
        Assert.Empty(TwoSwings(PivotKind.Low, 100, 95, 25, 32, apart: 10, settings: new DivergenceSettings { MinBarsBetweenPivots = 11 }));
        Assert.Empty(TwoSwings(PivotKind.Low, 100, 95, 25, 32, apart: 10, settings: new DivergenceSettings { MaxBarsBetweenPivots = 9 }));
        Assert.Empty(TwoSwings(PivotKind.Low, 100, 95, 25, 32, apart: 61));
        Assert.Single(TwoSwings(PivotKind.Low, 100, 95, 25, 32, apart: 60));
    }

    [Fact]
    public void Settings_that_make_no_sense_must_be_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DivergenceDetector(new DivergenceSettings { PivotStrength = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DivergenceDetector(new DivergenceSettings { MinBarsBetweenPivots = 10, MaxBarsBetweenPivots = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DivergenceDetector(new DivergenceSettings { RsiFullStrengthPoints = double.NaN }));
    }

    [Fact]
    public void An_oscillator_still_warming_up_must_be_skipped()
    {
        Assert.Empty(TwoSwings(PivotKind.Low, 100, 95, double.NaN, 32));
    }

    [Fact]
    public void Divergences_on_real_candles_must_not_depend_on_anything_after_they_are_confirmed()
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles;
        var cutoff = candles[15_000].OpenTimeMs + 300_000;
        var random = new Random(3);
        var poisoned = candles.Select(c => c.OpenTimeMs + 300_000 <= cutoff ? c : GarbageCandles.Replace(c, random)).ToArray();

        var honest = Run(candles).Where(d => d.ConfirmedAtMs <= cutoff).ToList();
        var replayed = Run(poisoned).Where(d => d.ConfirmedAtMs <= cutoff).ToList();

        Assert.NotEmpty(honest);
        Assert.Equal(honest, replayed);
        foreach (var kind in Enum.GetValues<DivergenceKind>())
        {
            Assert.Contains(honest, d => d.Kind == kind);
        }

        foreach (var divergence in honest)
        {
            Assert.Equal(divergence.Second.BarCloseTimeMs + (3 * 300_000), divergence.ConfirmedAtMs);
            Assert.InRange(divergence.Strength, 0.0, 1.0);
        }
    }

    private static List<Divergence> Run(IReadOnlyList<Candle> candles)
    {
        var set = new IndicatorSet();
        var detector = new DivergenceDetector();
        var found = new List<Divergence>();
        foreach (var candle in candles)
        {
            set.Update(candle);
            detector.Add(candle.OpenTimeMs + 300_000, (double)candle.High, (double)candle.Low, OscillatorValues.From(set.Readings), found);
        }

        return found;
    }
}
