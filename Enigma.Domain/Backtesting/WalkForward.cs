using System.Globalization;

namespace Enigma.Domain.Backtesting;

/// <summary>One walk-forward window: parameters are chosen on [TrainFrom, TrainTo) and judged on [TestFrom, TestTo).</summary>
public sealed record WalkForwardWindow(int Number, long TrainFromMs, long TrainToMs, long TestFromMs, long TestToMs)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"window {Number}: train {Day(TrainFromMs)} → {Day(TrainToMs)}, test {Day(TestFromMs)} → {Day(TestToMs)}");

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>
/// The seed's walk-forward windows (90 days, 70% train / 30% test, 5 windows, rolling). Rolling: every window has the
/// same length W, with its test part right after its training part, and each window starts one test length after
/// the one before. So the tests tile the end of the data without overlapping, and no test candle was ever seen in
/// its own training: 5 windows need W + 4 × 0.3 W = 2.2 W of data, so W = span / 2.2. Anchored: every training part
/// starts at the beginning of the data and grows, and the tests are the same as rolling.
/// </summary>
public static class WalkForward
{
    public static IReadOnlyList<WalkForwardWindow> Windows(long fromMs, long toMs, int windows = 5, double trainFraction = 0.7, bool anchored = false, long alignMs = 300_000)
    {
        if (toMs <= fromMs)
        {
            throw new ArgumentException($"the data must span some time (from {fromMs} to {toMs}).");
        }

        if (windows < 1)
        {
            throw new ArgumentException($"at least one window is needed, got {windows}.");
        }

        if (trainFraction is <= 0 or >= 1)
        {
            throw new ArgumentException($"the training share must be between 0 and 1 (0.7 = 70%), got {trainFraction}.");
        }

        var testShare = 1 - trainFraction;
        var window = (toMs - fromMs) / (1 + ((windows - 1) * testShare));
        var test = Align(window * testShare, alignMs);

        // What the whole candles left over from rounding the tests down go to: the first training part, which then
        // starts exactly at the beginning of the data.
        var train = toMs - (windows * test) - fromMs;
        if (test <= 0 || train <= 0)
        {
            throw new ArgumentException($"{windows} windows do not fit in the data: each test would be shorter than one candle.");
        }

        var result = new List<WalkForwardWindow>(windows);
        for (var i = 0; i < windows; i++)
        {
            // The tests end at the end of the data; each training part ends where its test begins.
            var testTo = toMs - ((windows - 1 - i) * test);
            var testFrom = testTo - test;
            result.Add(new WalkForwardWindow(i + 1, anchored ? fromMs : Math.Max(fromMs, testFrom - train), testFrom, testFrom, testTo));
        }

        return result;
    }

    private static long Align(double ms, long alignMs) => (long)(ms / alignMs) * alignMs;
}
