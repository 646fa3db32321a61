using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

/// <summary>
/// Rejects input an indicator cannot honestly compute on: non-finite or negative numbers, a close outside the
/// bar's range, time that does not move forward. Checked before any state changes, so a rejected bar leaves the
/// indicator exactly as it was. The throw paths live out of line to keep the checks cheap on the hot path.
/// </summary>
internal static class InputGuard
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Time(string indicator, long previousMs, long timestampMs)
    {
        if (timestampMs <= previousMs)
        {
            ThrowTime(indicator, previousMs, timestampMs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Value(string indicator, string field, double value, long timestampMs)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            ThrowValue(indicator, field, value, timestampMs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Range(string indicator, double high, double low, double close, long timestampMs)
    {
        Value(indicator, "high", high, timestampMs);
        Value(indicator, "low", low, timestampMs);
        Value(indicator, "close", close, timestampMs);
        if (low > high || close < low || close > high)
        {
            ThrowRange(indicator, high, low, close, timestampMs);
        }
    }

    [DoesNotReturn]
    private static void ThrowTime(string indicator, long previousMs, long timestampMs) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"{indicator}: bar time {timestampMs} ({Candle.FormatTime(timestampMs)}) is not after the previous bar's {previousMs} ({Candle.FormatTime(previousMs)}); bars must arrive in strictly increasing time."));

    [DoesNotReturn]
    private static void ThrowValue(string indicator, string field, double value, long timestampMs) =>
        throw new ArgumentOutOfRangeException(field, value, string.Create(CultureInfo.InvariantCulture,
            $"{indicator}: {field} must be a finite, non-negative number; got {value} at {timestampMs} ({Candle.FormatTime(timestampMs)})."));

    [DoesNotReturn]
    private static void ThrowRange(string indicator, double high, double low, double close, long timestampMs) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"{indicator}: the bar at {timestampMs} ({Candle.FormatTime(timestampMs)}) needs low <= close <= high; got low {low}, close {close}, high {high}."));
}
