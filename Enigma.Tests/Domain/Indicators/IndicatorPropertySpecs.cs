using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Enigma.Tests.Domain.Indicators;

/// <summary>A candle series and a point to cut it at, for properties.</summary>
public sealed record CandleSeries(Candle[] Candles, int Cut)
{
    public override string ToString() => $"{Candles.Length} candles, cut at {Cut}";
}

/// <summary>
/// Random but valid candle series: a random walk in cents with frequent flat stretches (no movement, high = low),
/// since those are the edge cases where indicators divide by zero.
/// </summary>
public static class CandleSeriesArbitrary
{
    public static Arbitrary<CandleSeries> Series() =>
        (from length in Gen.Choose(1, 160)
         from start in Gen.Choose(1, 2_000_000)
         from steps in Gen.ArrayOf(Step(), length)
         from cut in Gen.Choose(0, length)
         select new CandleSeries(Build(start, steps), cut)).ToArbitrary();

    private static Gen<(int Move, int Up, int Down, int Volume)> Step() =>
        Gen.Frequency(
            (3, from move in Gen.Choose(-5_000, 5_000)
                from up in Gen.Choose(0, 2_000)
                from down in Gen.Choose(0, 2_000)
                from volume in Gen.Choose(0, 100_000)
                select (move, up, down, volume)),
            (1, Gen.Constant((0, 0, 0, 0))));

    private static Candle[] Build(int startCents, (int Move, int Up, int Down, int Volume)[] steps)
    {
        var candles = new Candle[steps.Length];
        var close = startCents;
        for (var i = 0; i < steps.Length; i++)
        {
            var open = close;
            close = Math.Max(1, open + steps[i].Move);
            var high = Math.Max(open, close) + steps[i].Up;
            var low = Math.Max(1, Math.Min(open, close) - steps[i].Down);
            candles[i] = new Candle(i * 60_000L, open / 100m, high / 100m, low / 100m, close / 100m, steps[i].Volume / 10m);
        }

        return candles;
    }
}

[Properties(Arbitrary = [typeof(CandleSeriesArbitrary)], MaxTest = 300)]
public sealed class IndicatorPropertySpecs
{
    [Property]
    public void Oscillators_must_stay_in_their_ranges_and_never_be_NaN(CandleSeries series)
    {
        var set = new IndicatorSet();
        foreach (var candle in series.Candles)
        {
            set.Update(candle);
            var r = set.Readings;
            if (r.Rsi is { } rsi)
            {
                Assert.InRange(rsi, 0.0, 100.0);
            }

            if (r.WilliamsR is { } willR)
            {
                Assert.InRange(willR, -100.0, 0.0);
            }

            if (r.Bollinger is { } bands)
            {
                Assert.True(bands.Lower <= bands.Middle && bands.Middle <= bands.Upper, $"bands out of order: {bands}");
            }

            if (r.Stochastic is { } stochastic)
            {
                Assert.InRange(stochastic.K, -1e-9, 100 + 1e-9);
                Assert.InRange(stochastic.D, -1e-9, 100 + 1e-9);
            }

            if (r.Kdj is { } kdj)
            {
                Assert.InRange(kdj.K, -1e-9, 100 + 1e-9);
                Assert.InRange(kdj.D, -1e-9, 100 + 1e-9);
            }

            foreach (var value in new[] { r.Rsi, r.EmaFast, r.EmaSlow, r.Macd?.Macd, r.Macd?.Signal, r.Macd?.Histogram, r.WilliamsR, r.AwesomeOscillator, r.Bollinger?.Upper, r.Obv, r.Kdj?.J })
            {
                Assert.True(value is null || double.IsFinite(value.Value), $"non-finite output {value}");
            }
        }
    }

    [Property]
    public void A_restored_snapshot_must_continue_exactly_like_the_original(CandleSeries series)
    {
        var original = new IndicatorSet();
        for (var i = 0; i < series.Cut; i++)
        {
            original.Update(series.Candles[i]);
        }

        var restored = IndicatorSet.Restore(original.Snapshot());
        Assert.Equal(original.Readings, restored.Readings);
        for (var i = series.Cut; i < series.Candles.Length; i++)
        {
            original.Update(series.Candles[i]);
            restored.Update(series.Candles[i]);
            Assert.Equal(original.Readings, restored.Readings);
        }

        // The restored set keeps the time guard: the bar before the cut cannot be replayed into it.
        if (series.Cut > 0)
        {
            Assert.ThrowsAny<ArgumentException>(() => restored.Update(series.Candles[series.Cut - 1]));
        }
    }

    [Property]
    public void Each_indicator_alone_must_equal_its_reading_in_the_set(CandleSeries series)
    {
        var set = new IndicatorSet();
        var rsi = new Rsi();
        var macd = new Macd();
        var willR = new WilliamsR();
        var ao = new AwesomeOscillator();
        var stochastic = new Stochastic();
        var bands = new BollingerBands();
        var obv = new OnBalanceVolume();
        var kdj = new Kdj();
        var ema = new Ema(26);
        foreach (var candle in series.Candles)
        {
            set.Update(candle);
            rsi.Update(candle);
            macd.Update(candle);
            willR.Update(candle);
            ao.Update(candle);
            stochastic.Update(candle);
            bands.Update(candle);
            obv.Update(candle);
            kdj.Update(candle);
            ema.Update(candle);
            var r = set.Readings;
            Assert.Equal(r.Rsi, rsi.Value);
            Assert.Equal(r.Macd, macd.Value);
            Assert.Equal(r.WilliamsR, willR.Value);
            Assert.Equal(r.AwesomeOscillator, ao.Value);
            Assert.Equal(r.Stochastic, stochastic.Value);
            Assert.Equal(r.Bollinger, bands.Value);
            Assert.Equal(r.Obv, obv.Value);
            Assert.Equal(r.Kdj, kdj.Value);
            Assert.Equal(r.EmaSlow, ema.Value);
        }
    }
}
