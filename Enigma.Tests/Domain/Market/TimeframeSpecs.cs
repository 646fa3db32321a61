using Enigma.Domain.Market;

namespace Enigma.Tests.Domain.Market;

public sealed class TimeframeSpecs
{
    [Theory]
    [InlineData("5m", 300_000L)]
    [InlineData("15m", 900_000L)]
    [InlineData("1h", 3_600_000L)]
    [InlineData("4h", 14_400_000L)]
    [InlineData("1d", 86_400_000L)]
    public void Timeframes_must_parse_and_print_back(string text, long milliseconds)
    {
        var timeframe = Timeframe.Parse(text);
        Assert.Equal(milliseconds, timeframe.Milliseconds);
        Assert.Equal(text, timeframe.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("0m")]
    [InlineData("7m")]
    [InlineData("-5m")]
    [InlineData("5x")]
    [InlineData("1.5h")]
    public void Nonsense_timeframes_must_be_refused_with_a_hint(string text)
    {
        var error = Assert.Throws<FormatException>(() => Timeframe.Parse(text));
        Assert.Contains("for example 5m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Buckets_must_align_to_the_epoch_also_before_it()
    {
        Assert.Equal(14_400_000L, Timeframe.FourHours.BucketStart(14_400_000L + 299_999));
        Assert.Equal(-300_000L, Timeframe.FiveMinutes.BucketStart(-1));
        Assert.True(Timeframe.FourHours.IsAligned(0));
    }
}
