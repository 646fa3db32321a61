using System.Globalization;
using System.Text.Json;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>
/// Tolerant reading of KuCoin's fields: numbers arrive as JSON numbers or strings, even for one concept on different
/// endpoints (kucoin-futures-api.md, general rules), and times in seconds, milliseconds or nanoseconds. A field that is
/// there but unreadable is a protocol error naming the field; a missing optional field reads as null.
/// </summary>
internal static class KuCoinJsonReader
{
    public static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;

    public static string RequiredText(JsonElement e, string name, string what) =>
        Text(e, name) ?? throw new KuCoinProtocolException($"{what}: field '{name}' is missing.");

    public static decimal? Decimal(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return Number(v, name);
    }

    public static decimal Number(JsonElement v, string name)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var n))
        {
            return n;
        }

        if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
        {
            return s;
        }

        throw new KuCoinProtocolException($"Field '{name}' is not a number: {Excerpt(v)}.");
    }

    public static decimal RequiredDecimal(JsonElement e, string name, string what) =>
        Decimal(e, name) ?? throw new KuCoinProtocolException($"{what}: field '{name}' is missing.");

    public static long? Long(JsonElement e, string name) => Decimal(e, name) is { } d ? (long)d : null;

    public static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "true"));

    /// <summary>A time in UTC milliseconds from a field in seconds (~1.7e9), milliseconds (~1.7e12) or nanoseconds (~1.7e18).</summary>
    public static long? Millis(JsonElement e, string name) => Long(e, name) is { } raw ? ToMilliseconds(raw) : null;

    public static long ToMilliseconds(long raw) => raw switch
    {
        >= 100_000_000_000_000_000 => raw / 1_000_000,
        >= 100_000_000_000_000 => raw / 1_000,
        >= 100_000_000_000 => raw,
        _ => raw * 1000,
    };

    private static string Excerpt(JsonElement v)
    {
        var text = v.GetRawText();
        return text.Length <= 60 ? text : text[..60] + "…";
    }
}
