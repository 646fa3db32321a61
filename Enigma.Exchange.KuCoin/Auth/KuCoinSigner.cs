using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Enigma.Exchange.KuCoin.Auth;

/// <summary>The KC-API-* headers of one signed request.</summary>
public sealed record SignedHeaders(string Key, string Timestamp, string Sign, string Passphrase, string KeyVersion)
{
    public IEnumerable<KeyValuePair<string, string>> All()
    {
        yield return new("KC-API-KEY", Key);
        yield return new("KC-API-TIMESTAMP", Timestamp);
        yield return new("KC-API-SIGN", Sign);
        yield return new("KC-API-PASSPHRASE", Passphrase);
        yield return new("KC-API-KEY-VERSION", KeyVersion);
    }

    public override string ToString() => $"KC-API headers for key …{(Key.Length > 4 ? Key[^4..] : "")} at {Timestamp}";
}

/// <summary>
/// KuCoin's request signing (kucoin-futures-api.md 4.1): <c>KC-API-SIGN = base64(HMAC-SHA256(secret, timestamp +
/// METHOD + path-with-query + body))</c>, and for key versions 2 and 3 the passphrase itself signed with the secret.
/// The simulator uses <see cref="Verify"/> to check what third-party clients send.
/// </summary>
public static class KuCoinSigner
{
    public static string Sign(string secret, string message)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(message);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));
    }

    /// <summary>The pre-sign string: timestamp, upper-case method, path with its query exactly as sent, body exactly as sent.</summary>
    public static string PreSign(string timestamp, string method, string pathAndQuery, string body) =>
        string.Concat(timestamp, method.ToUpperInvariant(), pathAndQuery, body);

    public static SignedHeaders Headers(KuCoinCredentials credentials, long timestampMs, string method, string pathAndQuery, string body)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var timestamp = timestampMs.ToString(CultureInfo.InvariantCulture);
        var passphrase = credentials.KeyVersion == "1" ? credentials.Passphrase : Sign(credentials.Secret, credentials.Passphrase);
        return new SignedHeaders(credentials.Key, timestamp, Sign(credentials.Secret, PreSign(timestamp, method, pathAndQuery, body)), passphrase, credentials.KeyVersion);
    }

    /// <summary>
    /// Checks a received signature against the query exactly as received or its percent-decoded form, because clients
    /// differ in which one they sign (section 4.1). Constant-time comparison.
    /// </summary>
    public static bool Verify(string secret, string signature, string timestamp, string method, string pathAndQuery, string body)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (Matches(Sign(secret, PreSign(timestamp, method, pathAndQuery, body)), signature))
        {
            return true;
        }

        var decoded = Uri.UnescapeDataString(pathAndQuery);
        return decoded != pathAndQuery && Matches(Sign(secret, PreSign(timestamp, method, decoded, body)), signature);
    }

    private static bool Matches(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));
}
