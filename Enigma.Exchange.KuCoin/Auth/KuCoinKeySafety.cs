using Enigma.Exchange.KuCoin.Rest;

namespace Enigma.Exchange.KuCoin.Auth;

/// <summary>
/// The live-mode safety rule (kucoin-futures-api.md 4.11): a trading key must be able to trade futures and must not be
/// able to move money. <c>Transfer</c> is KuCoin's withdrawal permission and <c>InnerTransfer</c> moves funds between
/// accounts; both are refused, and so is any permission this code does not know, because it might be either.
/// </summary>
public static class KuCoinKeySafety
{
    private static readonly HashSet<string> Harmless = new(StringComparer.OrdinalIgnoreCase) { "General", "Futures", "Spot", "Margin", "Earn" };

    private static readonly HashSet<string> MovesMoney = new(StringComparer.OrdinalIgnoreCase) { "Transfer", "InnerTransfer", "Withdraw", "Withdrawal" };

    /// <summary>Throws <see cref="KuCoinConfigurationException"/> naming the permission that makes the key unsafe or unusable.</summary>
    public static void EnsureTradingOnly(KuCoinApiKeyInfo key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var money = key.Permissions.Where(MovesMoney.Contains).ToList();
        if (money.Count > 0)
        {
            throw new KuCoinConfigurationException($"Refusing to trade with API key …{Tail(key.ApiKey)}: it has the permission {string.Join(" and ", money)}, which can move funds off the account. Create a key with General and Futures only.");
        }

        var unknown = key.Permissions.Where(p => !Harmless.Contains(p)).ToList();
        if (unknown.Count > 0)
        {
            throw new KuCoinConfigurationException($"Refusing to trade with API key …{Tail(key.ApiKey)}: its permission {string.Join(", ", unknown)} is unknown here and might move funds. Create a key with General and Futures only.");
        }

        if (!key.Permissions.Contains("Futures", StringComparer.OrdinalIgnoreCase))
        {
            throw new KuCoinConfigurationException($"API key …{Tail(key.ApiKey)} lacks the Futures permission (it has {string.Join(", ", key.Permissions)}); it cannot trade futures.");
        }
    }

    public static async Task<KuCoinApiKeyInfo> CheckAsync(KuCoinRestClient client, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var key = await client.GetApiKeyInfoAsync(ct).ConfigureAwait(false);
        EnsureTradingOnly(key);
        return key;
    }

    private static string Tail(string key) => key.Length > 4 ? key[^4..] : "";
}
