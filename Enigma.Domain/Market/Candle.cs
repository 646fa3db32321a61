using System.Globalization;

namespace Enigma.Domain.Market;

/// <summary>
/// One OHLCV bar as an exchange publishes it. <see cref="OpenTimeMs"/> is the bar's open time in UTC epoch
/// milliseconds; the bar is closed (and only then usable) at open time plus its timeframe.
/// Prices and volume are decimal so that they stay exactly what the exchange sent.
/// </summary>
public readonly record struct Candle(long OpenTimeMs, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume)
{
    /// <summary>
    /// Describes what is wrong with the bar's prices (low above open or close, high below them, a non-positive price,
    /// negative volume), or returns null when the bar is sound.
    /// </summary>
    public string? DescribeOhlcViolation()
    {
        if (Open <= 0 || High <= 0 || Low <= 0 || Close <= 0)
        {
            return Invariant($"prices must be positive (open {Open}, high {High}, low {Low}, close {Close})");
        }

        if (Volume < 0)
        {
            return Invariant($"volume {Volume} is negative");
        }

        if (Low > High)
        {
            return Invariant($"low {Low} is above high {High}");
        }

        if (Low > Open || Low > Close)
        {
            return Invariant($"low {Low} is above open {Open} or close {Close}");
        }

        if (High < Open || High < Close)
        {
            return Invariant($"high {High} is below open {Open} or close {Close}");
        }

        return null;
    }

    /// <summary>ISO 8601 UTC form of a timestamp, for messages.</summary>
    public static string FormatTime(long timestampMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(timestampMs).ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
