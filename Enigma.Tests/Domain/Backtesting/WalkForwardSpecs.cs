using Enigma.Domain.Backtesting;

namespace Enigma.Tests.Domain.Backtesting;

public sealed class WalkForwardSpecs
{
    private const long Day = 86_400_000;
    private static readonly long From = new DateTimeOffset(2025, 4, 3, 17, 5, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void The_seed_windows_must_tile_the_end_of_90_days_with_tests_never_seen_in_their_own_training()
    {
        var windows = WalkForward.Windows(From, From + (90 * Day));

        Assert.Equal(5, windows.Count);
        Assert.Equal(From + (90 * Day), windows[^1].TestToMs);
        Assert.All(windows, w =>
        {
            Assert.Equal(w.TrainToMs, w.TestFromMs);
            var share = (double)(w.TrainToMs - w.TrainFromMs) / (w.TestToMs - w.TrainFromMs);
            Assert.InRange(share, 0.69, 0.71);
            Assert.Equal(0, (w.TestToMs - w.TestFromMs) % 300_000); // whole 5m candles
        });
        Assert.All(windows.Zip(windows.Skip(1), (a, b) => (a, b)), p => Assert.Equal(p.a.TestToMs, p.b.TestFromMs));
        Assert.Equal(From, windows[0].TrainFromMs); // the first window starts at the data
        Assert.InRange((windows[0].TestToMs - windows[0].TestFromMs) / (double)Day, 12.2, 12.3); // 90 / 2.2 × 0.3
    }

    [Fact]
    public void Anchored_windows_must_train_from_the_start_and_test_the_same_periods()
    {
        var rolling = WalkForward.Windows(From, From + (90 * Day));
        var anchored = WalkForward.Windows(From, From + (90 * Day), anchored: true);

        Assert.All(anchored, w => Assert.Equal(From, w.TrainFromMs));
        Assert.Equal(rolling.Select(w => (w.TestFromMs, w.TestToMs)), anchored.Select(w => (w.TestFromMs, w.TestToMs)));
    }

    [Theory]
    [InlineData(0, 0.7, "at least one window")]
    [InlineData(5, 1.0, "training share must be between 0 and 1")]
    public void Impossible_windows_must_be_named(int windows, double train, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => WalkForward.Windows(From, From + (90 * Day), windows, train));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
