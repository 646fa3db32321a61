using System.Text.Json;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>
/// KuCoin's response envelope (section 2.1): <c>{"code":"200000","data":...}</c> on success, <c>{"code":"...","msg":"..."}</c>
/// on failure, whatever the HTTP status. The body is always parsed and the code always checked.
/// </summary>
public static class KuCoinEnvelope
{
    private const int ShownBody = 200;

    /// <summary>Returns the <c>data</c> element of a success, or throws a typed error for a failure or a broken reply.</summary>
    public static JsonElement Data(string body, int httpStatus, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new KuCoinProtocolException($"{what}: HTTP {httpStatus} with a body that is not JSON: '{Excerpt(body)}'.", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var codeElement))
            {
                throw new KuCoinProtocolException($"{what}: HTTP {httpStatus} with no 'code' in the reply: '{Excerpt(body)}'.");
            }

            // The code is a string; tolerate a number, which some gateways send.
            var code = codeElement.ValueKind switch
            {
                JsonValueKind.String => codeElement.GetString()!,
                JsonValueKind.Number => codeElement.GetRawText(),
                _ => throw new KuCoinProtocolException($"{what}: 'code' is {codeElement.ValueKind}, not a string."),
            };
            if (code is "200000" or "200")
            {
                return root.TryGetProperty("data", out var data) ? data.Clone() : default;
            }

            var message = root.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
            throw new KuCoinApiException(code, message, httpStatus);
        }
    }

    private static string Excerpt(string body) => body.Length <= ShownBody ? body : string.Concat(body.AsSpan(0, ShownBody), "…");
}

/// <summary>The <c>gw-ratelimit-*</c> headers of a reply: the pool's quota, what is left, and milliseconds until it resets.</summary>
public readonly record struct RateLimitState(int Limit, int Remaining, long ResetMs)
{
    /// <summary>Reads the three headers; null when any is absent or not a non-negative whole number.</summary>
    public static RateLimitState? FromHeaders(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return int.TryParse(header("gw-ratelimit-limit"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit)
            && int.TryParse(header("gw-ratelimit-remaining"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var remaining)
            && long.TryParse(header("gw-ratelimit-reset"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var reset)
            ? new RateLimitState(limit, remaining, reset)
            : null;
    }

    /// <summary>Out of quota: nothing more in this pool until the reset.</summary>
    public bool IsExhausted => Remaining == 0;
}
