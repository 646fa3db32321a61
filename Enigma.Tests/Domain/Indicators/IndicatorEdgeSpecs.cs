using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Indicators;

[Collection(nameof(AllocationMeasurements))]
public sealed class IndicatorEdgeSpecs
{
    private const long FiveMinutes = 300_000;

    [Fact]
    public void A_flat_market_must_give_the_documented_values_and_never_NaN()
    {
        var set = new IndicatorSet();
        for (var i = 0; i < 60; i++)
        {
            set.Update(Bar(i, 100.5m, 100.5m, 100.5m));
        }

        var r = set.Readings;
        Assert.Equal(50.0, r.Rsi);
        Assert.Equal(-50.0, r.WilliamsR);
        Assert.Equal(new StochasticValue(50.0, 50.0), r.Stochastic);
        Assert.Equal(new KdjValue(50.0, 50.0, 50.0), r.Kdj);
        Assert.Equal(100.5, r.EmaFast!.Value, tolerance: 1e-12);
        Assert.Equal(100.5, r.Bollinger!.Value.Middle, tolerance: 1e-12);
        Assert.Equal(r.Bollinger.Value.Middle, r.Bollinger.Value.Upper);
        Assert.Equal(r.Bollinger.Value.Middle, r.Bollinger.Value.Lower);
        Assert.Equal(0.0, r.AwesomeOscillator!.Value, tolerance: 1e-12);
        Assert.Equal(0.0, r.Macd!.Value.Macd, tolerance: 1e-12);
        Assert.Equal(0.0, r.Macd.Value.Histogram, tolerance: 1e-12);
    }

    [Fact]
    public void A_flat_high_low_window_after_movement_must_read_mid_range()
    {
        // A market that moved, then froze (Binance's outage bars look like this: o = h = l = c for an hour).
        var set = new IndicatorSet();
        var i = 0;
        for (; i < 30; i++)
        {
            set.Update(Bar(i, 100m + i, 99m + i, 100m + i));
        }

        for (var j = 0; j < 20; j++, i++)
        {
            set.Update(Bar(i, 200m, 200m, 200m));
        }

        var r = set.Readings;
        Assert.Equal(-50.0, r.WilliamsR);
        Assert.Equal(50.0, r.Stochastic!.Value.K);
        Assert.Equal(50.0, r.Stochastic.Value.D);
        Assert.InRange(r.Rsi!.Value, 0, 100);
    }

    public static TheoryData<string, double> BadNumbers => new()
    {
        { "NaN", double.NaN },
        { "positive infinity", double.PositiveInfinity },
        { "negative infinity", double.NegativeInfinity },
        { "negative", -1.0 },
    };

    [Theory]
    [MemberData(nameof(BadNumbers))]
    public void Every_indicator_must_reject_a_non_finite_or_negative_input_and_keep_its_state(string what, double bad)
    {
        _ = what;
        var updates = new (string Name, Action<long, double> Update)[]
        {
            ("RSI", new Rsi().Update),
            ("EMA", new Ema(12).Update),
            ("MACD", new Macd().Update),
            ("%R", (t, v) => new WilliamsR().Update(t, 10, 5, v)),
            ("AO", (t, v) => new AwesomeOscillator().Update(t, v, 0)),
            ("STOCH", (t, v) => new Stochastic().Update(t, v, v, v)),
            ("BB", new BollingerBands().Update),
            ("OBV", (t, v) => new OnBalanceVolume().Update(t, 10, v)),
            ("KDJ", (t, v) => new Kdj().Update(t, 10, v, 5)),
            ("set", (t, v) => new IndicatorSet().Update(t, 10, 5, 7, v)),
        };
        foreach (var (name, update) in updates)
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => update(1_000, bad));
            Assert.Contains("finite, non-negative", error.Message, StringComparison.Ordinal);
            _ = name;
        }

        // A rejected bar changes nothing: the set continues exactly like a twin that never saw it.
        var candles = Walk(80).ToArray();
        var clean = new IndicatorSet();
        var rejected = new IndicatorSet();
        for (var i = 0; i < candles.Length; i++)
        {
            clean.Update(candles[i]);
            rejected.Update(candles[i]);
            var c = candles[i];
            Assert.ThrowsAny<ArgumentException>(() => rejected.Update(c.OpenTimeMs + 1, (double)c.High, (double)c.Low, (double)c.Close, bad));
            Assert.Equal(clean.Readings, rejected.Readings);
        }
    }

    [Fact]
    public void Bars_that_do_not_move_forward_in_time_must_be_rejected_with_both_times_named()
    {
        var set = new IndicatorSet();
        set.Update(Bar(10, 101m, 99m, 100m));
        var same = Assert.Throws<ArgumentException>(() => set.Update(Bar(10, 101m, 99m, 100m)));
        Assert.Contains("not after the previous bar", same.Message, StringComparison.Ordinal);
        Assert.Contains((10 * FiveMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture), same.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => set.Update(Bar(9, 101m, 99m, 100m)));
        Assert.Throws<ArgumentException>(() => new Rsi().Also(r => r.Update(5, 1)).Update(5, 2));
        Assert.Equal(1, set.Bars);
    }

    [Fact]
    public void A_close_outside_the_bars_range_must_be_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new IndicatorSet().Update(Bar(0, 101m, 99m, 102m)));
        Assert.Contains("low <= close <= high", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WilliamsR().Update(0, 99, 101, 100));
    }

    [Fact]
    public void Periods_and_settings_that_make_no_sense_must_be_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rsi(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Macd(26, 12, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AwesomeOscillator(34, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BollingerBands(20, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IndicatorSet(new IndicatorSettings { RsiPeriod = -3 }));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(14)]
    [InlineData(21)]
    public void The_RSI_period_must_be_a_parameter_the_optimizer_can_vary(int period)
    {
        var candles = Walk(200).ToArray();
        var set = new IndicatorSet(new IndicatorSettings { RsiPeriod = period });
        var expected = ReferenceIndicators.Rsi(candles.Select(c => (double)c.Close).ToArray(), period);
        for (var i = 0; i < candles.Length; i++)
        {
            set.Update(candles[i]);
            if (double.IsNaN(expected[i]))
            {
                Assert.Null(set.Readings.Rsi);
            }
            else
            {
                Assert.Equal(expected[i], set.Readings.Rsi!.Value, tolerance: 1e-9);
            }
        }
    }

    [Fact]
    public void A_snapshot_must_not_restore_into_different_settings()
    {
        var set = new IndicatorSet();
        foreach (var candle in Walk(50))
        {
            set.Update(candle);
        }

        var state = set.Snapshot();
        var error = Assert.Throws<ArgumentException>(() => IndicatorSet.Restore(state with { Settings = state.Settings with { RsiPeriod = 21 } }));
        Assert.Contains("do not match the settings", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Rsi.Restore(state.Rsi with { Bars = -1 }));
        Assert.Throws<ArgumentException>(() => Stochastic.Restore(state.Stochastic with { SlowK = state.Stochastic.SlowK with { UntilResync = 0 } }));
    }

    [Fact]
    public void Updating_all_nine_indicators_must_not_allocate_in_steady_state()
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles;
        var set = new IndicatorSet();
        for (var i = 0; i < 1000; i++)
        {
            set.Update(candles[i]);
        }

        // The first pass lets the JIT finish tiering (its on-stack replacement allocates once). Then three passes of
        // 5,000 candles are measured: an allocation per update would show in every one (tens of kilobytes), while the
        // runtime's own rare housekeeping on this thread can touch one; so at least one pass must allocate nothing.
        UpdateAndRead(set, candles, 1000, 5000);
        var passes = new List<long>();
        var sink = 0.0;
        for (var from = 5000; from + 5000 <= candles.Length && passes.Count < 3; from += 5000)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            sink += UpdateAndRead(set, candles, from, from + 5000);
            passes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(3, passes.Count);
        Assert.True(passes.Min() == 0, $"bytes allocated in each pass of 5,000 updates: {string.Join(", ", passes)}");
        Assert.True(double.IsFinite(sink));
    }

    private static double UpdateAndRead(IndicatorSet set, System.Collections.Immutable.ImmutableArray<Candle> candles, int from, int to)
    {
        double sink = 0;
        for (var i = from; i < to; i++)
        {
            set.Update(candles[i]);
            var r = set.Readings;
            sink += r.Rsi!.Value + r.Macd!.Value.Histogram + r.Kdj!.Value.J + r.Bollinger!.Value.Upper;
        }

        return sink;
    }

    internal static Candle Bar(long index, decimal high, decimal low, decimal close, decimal volume = 10m) =>
        new(index * FiveMinutes, close, high, low, close, volume);

    /// <summary>A deterministic random walk of valid candles.</summary>
    internal static IEnumerable<Candle> Walk(int count, int seed = 7)
    {
        var random = new Random(seed);
        var close = 1000m;
        for (var i = 0; i < count; i++)
        {
            var open = close;
            close = Math.Max(1m, open + random.Next(-500, 501) / 100m);
            var high = Math.Max(open, close) + random.Next(0, 300) / 100m;
            var low = Math.Max(0.5m, Math.Min(open, close) - random.Next(0, 300) / 100m);
            yield return new Candle(i * FiveMinutes, open, high, low, close, random.Next(0, 10_000) / 10m);
        }
    }
}

internal static class TestExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}

/// <summary>Specs that measure allocation run alone, so other tests' timers and continuations stay off their thread.</summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements;
