using System.Text.Json;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Signals;

public sealed class SignalEngineSpecs
{
    private static readonly Lazy<Candle[]> Eth = new(() => [.. CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles]);

    [Fact]
    public void Signals_up_to_T_must_not_change_when_everything_after_T_is_garbage()
    {
        var candles = Eth.Value[..12_000];
        // T falls inside a 4h, 1h and 15m bucket, so a forming higher candle would have garbage in it.
        var cutoff = candles[9_000].OpenTimeMs + 300_000;
        Assert.False(Timeframe.FifteenMinutes.IsAligned(cutoff));
        var random = new Random(11);
        var poisoned = candles.Select(c => c.OpenTimeMs + 300_000 <= cutoff ? c : GarbageCandles.Replace(c, random)).ToArray();

        var honest = Replay(candles).TakeWhile(o => o.Timestamp <= cutoff).Select(o => JsonSerializer.Serialize(o, SignalsCommand.Json)).ToList();
        var replayed = Replay(poisoned).TakeWhile(o => o.Timestamp <= cutoff).Select(o => JsonSerializer.Serialize(o, SignalsCommand.Json)).ToList();

        Assert.Equal(9_001, honest.Count);
        Assert.Equal(honest, replayed);
    }

    [Fact]
    public void A_higher_timeframe_must_use_each_candle_once_it_closes_and_not_before()
    {
        var engine = new SignalEngine("ETHUSDTM");
        var hourly = new IndicatorSet();
        var fourHourly = new IndicatorSet();
        var closed = new List<ResampledCandle>();
        var toHour = new CandleResampler(Timeframe.FiveMinutes, Timeframe.OneHour);
        var toFour = new CandleResampler(Timeframe.FiveMinutes, Timeframe.FourHours);
        foreach (var candle in Eth.Value[..6_000])
        {
            engine.Advance(candle);
            closed.Clear();
            toHour.Add(candle, closed);
            foreach (var c in closed)
            {
                hourly.Update(c.Candle);
            }

            closed.Clear();
            toFour.Add(candle, closed);
            foreach (var c in closed)
            {
                fourHourly.Update(c.Candle);
            }

            // Same readings as sets fed only closed higher candles; the last one used closed at or before now.
            var now = candle.OpenTimeMs + 300_000;
            Assert.Equal(hourly.Readings, engine.ReadingsOf(2));
            Assert.Equal(fourHourly.Readings, engine.ReadingsOf(3));
            if (hourly.Bars > 0)
            {
                Assert.True(engine.ReadingsOf(2).TimestampMs + Timeframe.OneHour.Milliseconds <= now);
                Assert.True(engine.ReadingsOf(2).TimestampMs + (2 * Timeframe.OneHour.Milliseconds) > now, "the hour that just closed must be used at once");
            }
        }
    }

    [Fact]
    public void Scores_must_stay_within_130_and_directions_follow_the_minimum_score()
    {
        var parameters = SignalParameters.Default with { SignalMinScore = 40 };
        var seen = new HashSet<SignalDirection>();
        var alignments = new HashSet<Alignment>();
        foreach (var output in Replay(Eth.Value[..10_000], parameters))
        {
            Assert.InRange(output.Score, -SignalParameters.MaxScore, SignalParameters.MaxScore);
            Assert.InRange(output.Confidence, 0, 100);
            var expected = output.Score >= 40 ? SignalDirection.Long : output.Score <= -40 ? SignalDirection.Short : SignalDirection.Neutral;
            Assert.Equal(expected, output.Direction);
            Assert.Equal(IndicatorScoring.Count, output.Indicators.Count);
            Assert.Equal(output.Score, Math.Clamp(output.Indicators.Sum(i => i.Contribution) + Divergences(output, parameters) + Patterns(output, parameters) + Alignment(output, parameters), -130, 130), tolerance: 1e-9);
            Assert.All(output.Signals, s => Assert.True(s.ConfirmedAt <= output.Timestamp));
            seen.Add(output.Direction);
            alignments.Add(output.Alignment);
        }

        Assert.Equal(3, seen.Count);
        Assert.Equal(3, alignments.Count);
    }

    [Fact]
    public void Indicator_rules_must_score_as_the_table_says()
    {
        var p = SignalParameters.Default;
        var into = new Contribution[IndicatorScoring.Count];
        var previous = new IndicatorReadings(0, 40, 100, 100, new MacdValue(0, 0, -0.1), -50, -1, new StochasticValue(50, 50), new BollingerValue(110, 100, 90), 1000, new KdjValue(50, 50, 50));
        var now = new IndicatorReadings(1, 25, 101, 100, new MacdValue(1, 0.5, 0.5), -85, 2, new StochasticValue(15, 12), new BollingerValue(110, 100, 90), 1200, new KdjValue(10, 20, -10));
        IndicatorScoring.Score(now, previous, 89, obvBack: 900, p, into);
        Assert.Equal([15, 15, 10, 10, 10, 10, 10, 5, 5], into.Select(c => c.Points));
        Assert.Equal(90, into.Sum(c => c.Points));
        Assert.Equal("bullish crossover", into[1].Reason);

        IndicatorScoring.Score(default, default, 100, double.NaN, p, into);
        Assert.All(into, c => Assert.Equal((0.0, IndicatorScoring.WarmingUp), (c.Points, c.Reason)));
    }

    [Theory]
    [InlineData("RSI_PERIOD", "21")]
    [InlineData("rsi_oversold", "25")]
    [InlineData("RSI_OVERBOUGHT", "80")]
    [InlineData("SIGNAL_MIN_SCORE", "70")]
    public void The_optimizer_grid_must_be_settable_by_name(string key, string value)
    {
        var changed = SignalParameters.Default.With(key, value);
        Assert.NotEqual(SignalParameters.Default, changed);
    }

    [Theory]
    [InlineData("RSI_PERIODS", "21", "Unknown signal parameter 'RSI_PERIODS'. Known: RSI_PERIOD")]
    [InlineData("RSI_PERIOD", "abc", "takes a whole number")]
    [InlineData("RSI_OVERSOLD", "60", "RSI_OVERSOLD must lie between 0 and 50")]
    [InlineData("WEIGHT_RSI", "-1", "WEIGHT_RSI must not be negative")]
    [InlineData("SIGNAL_MIN_SCORE", "NaN", "takes a number")]
    public void Bad_parameters_must_be_refused_by_name(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SignalParameters.Default.With(key, value));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeframes_that_cannot_be_built_from_the_base_must_be_refused()
    {
        Assert.Throws<ArgumentException>(() => new SignalEngine("X", [Timeframe.OneHour, Timeframe.FifteenMinutes]));
        Assert.Throws<ArgumentException>(() => new SignalEngine("X", [Timeframe.FifteenMinutes, Timeframe.Parse("20m")]));
        Assert.Throws<ArgumentException>(() => new SignalEngine("X", []));
        Assert.Throws<ArgumentException>(() => new SignalEngine(" "));
    }

    internal static IEnumerable<SignalOutput> Replay(IEnumerable<Candle> candles, SignalParameters? parameters = null)
    {
        var engine = new SignalEngine("ETHUSDTM", parameters: parameters);
        foreach (var candle in candles)
        {
            yield return engine.Update(candle);
        }
    }

    private static double Divergences(SignalOutput output, SignalParameters p) =>
        Math.Clamp(output.Signals.Where(s => s.Kind.EndsWith("Divergence", StringComparison.Ordinal)).Sum(s => s.Contribution), -p.MaxDivergenceScore, p.MaxDivergenceScore);

    private static double Patterns(SignalOutput output, SignalParameters p) =>
        Math.Clamp(output.Signals.Where(s => !s.Kind.EndsWith("Divergence", StringComparison.Ordinal)).Sum(s => s.Contribution), -p.MaxPatternScore, p.MaxPatternScore);

    private static double Alignment(SignalOutput output, SignalParameters p)
    {
        var rest = output.Score - output.Indicators.Sum(i => i.Contribution) - Divergences(output, p) - Patterns(output, p);
        return output.Alignment switch
        {
            Enigma.Domain.Signals.Alignment.Full => Math.Abs(Math.Abs(rest) - p.WeightAlignment) < 1e-9 || Math.Abs(output.Score) == 130 ? rest : double.NaN,
            Enigma.Domain.Signals.Alignment.Partial => Math.Abs(Math.Abs(rest) - (p.WeightAlignment / 2)) < 1e-9 || Math.Abs(output.Score) == 130 ? rest : double.NaN,
            _ => 0,
        };
    }
}
