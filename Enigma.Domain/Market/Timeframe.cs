using System.Globalization;

namespace Enigma.Domain.Market;

/// <summary>
/// A candle period (5m, 15m, 1h, 4h, 1d...). Buckets are aligned to the Unix epoch, which is how exchanges
/// align every period up to a day (a 4h candle opens at 00:00, 04:00, ... UTC).
/// </summary>
public readonly record struct Timeframe : IComparable<Timeframe>
{
    private const long MinuteMs = 60_000;
    private const long HourMs = 60 * MinuteMs;
    private const long DayMs = 24 * HourMs;

    public static readonly Timeframe OneMinute = new(MinuteMs);
    public static readonly Timeframe FiveMinutes = new(5 * MinuteMs);
    public static readonly Timeframe FifteenMinutes = new(15 * MinuteMs);
    public static readonly Timeframe ThirtyMinutes = new(30 * MinuteMs);
    public static readonly Timeframe OneHour = new(HourMs);
    public static readonly Timeframe FourHours = new(4 * HourMs);
    public static readonly Timeframe OneDay = new(DayMs);

    private Timeframe(long milliseconds) => Milliseconds = milliseconds;

    /// <summary>Length of one candle in milliseconds.</summary>
    public long Milliseconds { get; }

    /// <summary>A timeframe of whole minutes, no longer than a day and dividing it evenly, so epoch alignment holds.</summary>
    public static Timeframe FromMilliseconds(long milliseconds) =>
        TryFromMilliseconds(milliseconds, out var timeframe)
            ? timeframe
            : throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds,
                "A timeframe must be a positive whole number of minutes that divides a day evenly (or whole days), so that its candles align to UTC midnight.");

    public static bool TryFromMilliseconds(long milliseconds, out Timeframe timeframe)
    {
        var valid = milliseconds > 0 && milliseconds % MinuteMs == 0
            && (milliseconds > DayMs ? milliseconds % DayMs == 0 : DayMs % milliseconds == 0);
        timeframe = valid ? new Timeframe(milliseconds) : default;
        return valid;
    }

    /// <summary>Parses "5m", "15m", "1h", "4h", "1d".</summary>
    public static Timeframe Parse(string text) =>
        TryParse(text, out var timeframe)
            ? timeframe
            : throw new FormatException(
                $"'{text}' is not a timeframe: write a whole number followed by m, h or d (for example 5m, 15m, 1h, 4h, 1d) that divides a day evenly.");

    public static bool TryParse(string? text, out Timeframe timeframe)
    {
        timeframe = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2)
        {
            return false;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        long unitMs = unit switch
        {
            'm' => MinuteMs,
            'h' => HourMs,
            'd' => DayMs,
            _ => 0,
        };
        if (unitMs == 0 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0 || count > 366)
        {
            return false;
        }

        return TryFromMilliseconds(count * unitMs, out timeframe);
    }

    /// <summary>Open time of the bucket that contains <paramref name="timestampMs"/>.</summary>
    public long BucketStart(long timestampMs) => timestampMs - Mod(timestampMs);

    public bool IsAligned(long timestampMs) => Mod(timestampMs) == 0;

    public int CompareTo(Timeframe other) => Milliseconds.CompareTo(other.Milliseconds);

    public override string ToString() =>
        Milliseconds == 0 ? "(none)"
        : Milliseconds % DayMs == 0 ? string.Create(CultureInfo.InvariantCulture, $"{Milliseconds / DayMs}d")
        : Milliseconds % HourMs == 0 ? string.Create(CultureInfo.InvariantCulture, $"{Milliseconds / HourMs}h")
        : string.Create(CultureInfo.InvariantCulture, $"{Milliseconds / MinuteMs}m");

    private long Mod(long timestampMs)
    {
        var r = timestampMs % Milliseconds;
        return r < 0 ? r + Milliseconds : r;
    }

    public static bool operator <(Timeframe left, Timeframe right) => left.CompareTo(right) < 0;

    public static bool operator >(Timeframe left, Timeframe right) => left.CompareTo(right) > 0;

    public static bool operator <=(Timeframe left, Timeframe right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Timeframe left, Timeframe right) => left.CompareTo(right) >= 0;
}
