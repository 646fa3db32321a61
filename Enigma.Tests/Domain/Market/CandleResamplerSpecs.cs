using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Market;

public sealed class CandleResamplerSpecs
{
    [Fact]
    public void Binance_5m_resampled_to_1h_must_equal_Binance_own_1h_candles()
    {
        // knowledge-bank candles README: open, high and low agree on every common hour; close and volume differ only
        // in three hours of the disrupted 2021-04-22/23 market.
        var fiveMinute = CandleCsvReader.Load(TestFiles.Candles("binance-spot/ETHUSDT-5m.csv.gz")).EnsureUsable();
        var hourly = CandleCsvReader.Load(TestFiles.Candles("binance-spot/ETHUSDT-1h.csv.gz")).EnsureUsable()
            .Candles.ToDictionary(c => c.OpenTimeMs);
        var resampled = CandleResampler.Resample(fiveMinute.Candles, Timeframe.FiveMinutes, Timeframe.OneHour);

        var compared = 0;
        var differing = new List<string>();
        foreach (var candle in resampled.Where(r => r.IsComplete).Select(r => r.Candle))
        {
            if (!hourly.TryGetValue(candle.OpenTimeMs, out var reference))
            {
                continue;
            }

            compared++;
            Assert.Equal(reference.Open, candle.Open);
            Assert.Equal(reference.High, candle.High);
            Assert.Equal(reference.Low, candle.Low);
            if (reference.Close != candle.Close || reference.Volume != candle.Volume)
            {
                differing.Add(Candle.FormatTime(candle.OpenTimeMs));
            }
        }

        Assert.InRange(compared, 2400, 2600);
        Assert.Equal(new[] { "2021-04-22T02:00Z", "2021-04-23T01:00Z", "2021-04-23T02:00Z" }, differing);
    }

    [Fact]
    public void A_higher_candle_must_be_emitted_on_its_last_base_bar_and_never_before()
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/BTCUSDT-5m.csv.gz")).EnsureUsable().Candles;
        foreach (var target in new[] { Timeframe.FifteenMinutes, Timeframe.OneHour, Timeframe.FourHours })
        {
            var resampler = new CandleResampler(Timeframe.FiveMinutes, target);
            var closed = new List<ResampledCandle>();
            foreach (var candle in candles)
            {
                closed.Clear();
                resampler.Add(candle, closed);
                var knownAt = candle.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds;
                foreach (var emitted in closed)
                {
                    Assert.Equal(knownAt, emitted.CloseTimeMs);
                    // The file opens at 17:05, so only the very first bucket may lack bars.
                    Assert.True(emitted.IsComplete || emitted.Candle.OpenTimeMs == target.BucketStart(candles[0].OpenTimeMs));
                }

                Assert.Equal(target.IsAligned(knownAt), closed.Count == 1);
            }
        }
    }

    [Fact]
    public void Resampling_must_not_see_the_future()
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles;
        var cutoff = candles[10_000].OpenTimeMs + 150_000_000;
        var random = new Random(1);
        var garbage = candles.Select(c => c.OpenTimeMs < cutoff ? c : new Candle(c.OpenTimeMs, 1m, 1_000_000m, 0.5m, random.Next(1, 999_999), 1e9m)).ToList();

        var honest = CandleResampler.Resample(candles, Timeframe.FiveMinutes, Timeframe.FourHours).Where(r => r.CloseTimeMs <= cutoff).ToList();
        var poisoned = CandleResampler.Resample(garbage, Timeframe.FiveMinutes, Timeframe.FourHours).Where(r => r.CloseTimeMs <= cutoff).ToList();
        Assert.NotEmpty(honest);
        Assert.Equal(honest, poisoned);
    }

    [Fact]
    public void A_bucket_cut_short_by_a_gap_must_close_on_the_next_bucket_and_say_it_is_incomplete()
    {
        var resampler = new CandleResampler(Timeframe.FiveMinutes, Timeframe.FifteenMinutes);
        var closed = new List<ResampledCandle>();
        resampler.Add(Bar(0, 10m), closed);
        resampler.Add(Bar(1, 12m), closed);
        Assert.Empty(closed);
        Assert.Equal(2, resampler.Forming!.Value.SourceBars);

        // Bar 2 never came; bar 5 is the last bar of the next-but-one bucket, so two candles close at once.
        resampler.Add(Bar(5, 20m), closed);
        Assert.Equal(2, closed.Count);
        Assert.Equal(new Candle(0, 10m, 12m, 10m, 12m, 2m), closed[0].Candle);
        Assert.False(closed[0].IsComplete);
        Assert.Equal((2, 3), (closed[0].SourceBars, closed[0].ExpectedSourceBars));
        Assert.Equal(new Candle(900_000, 20m, 20m, 20m, 20m, 1m), closed[1].Candle);
        Assert.Null(resampler.Forming);
    }

    [Fact]
    public void Out_of_order_off_grid_bars_and_impossible_targets_must_be_rejected()
    {
        var resampler = new CandleResampler(Timeframe.FiveMinutes, Timeframe.OneHour);
        var closed = new List<ResampledCandle>();
        resampler.Add(Bar(3, 1m), closed);
        Assert.Throws<ArgumentException>(() => resampler.Add(Bar(3, 1m), closed));
        Assert.Throws<ArgumentException>(() => resampler.Add(Bar(2, 1m), closed));
        Assert.Throws<ArgumentException>(() => resampler.Add(new Candle(1_260_000 + 60_000, 1m, 1m, 1m, 1m, 1m), closed));
        Assert.Throws<ArgumentException>(() => new CandleResampler(Timeframe.OneHour, Timeframe.FifteenMinutes));
        Assert.Throws<ArgumentException>(() => new CandleResampler(Timeframe.FifteenMinutes, Timeframe.Parse("20m")));
    }

    private static Candle Bar(long index, decimal price) => new(index * 300_000, price, price, price, price, 1m);
}
