namespace Enigma.Domain.Market;

/// <summary>
/// The KuCoin USDT perpetuals whose candles the knowledge bank ships, with the contract terms KuCoin publishes for
/// them (lot multiplier, tick, leverage cap, first-tier maintenance margin, standard fees), and the mapping from the
/// data's exchange symbols (BTCUSDT) to KuCoin's (XBTUSDTM). The simulator serves these terms from its contract
/// endpoints and the backtester sizes with them, so both price a lot the same way.
/// </summary>
public static class KnownContracts
{
    public static IReadOnlyList<ContractSpec> All { get; } =
    [
        ContractSpec.XbtUsdtm,
        new() { Symbol = "ETHUSDTM", Multiplier = 0.01m, TickSize = 0.01m, MaxLeverage = 100, MaintenanceMarginRate = 0.005m },
        new() { Symbol = "SOLUSDTM", Multiplier = 0.1m, TickSize = 0.001m, MaxLeverage = 75, MaintenanceMarginRate = 0.01m },
        new() { Symbol = "BNBUSDTM", Multiplier = 0.01m, TickSize = 0.01m, MaxLeverage = 75, MaintenanceMarginRate = 0.01m },
        new() { Symbol = "XRPUSDTM", Multiplier = 10m, TickSize = 0.0001m, MaxLeverage = 75, MaintenanceMarginRate = 0.01m },
        new() { Symbol = "ADAUSDTM", Multiplier = 10m, TickSize = 0.00001m, MaxLeverage = 75, MaintenanceMarginRate = 0.01m },
    ];

    /// <summary>The contract named <paramref name="symbol"/> (KuCoin's name, e.g. XBTUSDTM), or null.</summary>
    public static ContractSpec? Find(string symbol) => All.FirstOrDefault(c => string.Equals(c.Symbol, symbol, StringComparison.OrdinalIgnoreCase));

    /// <summary>BTCUSDT → XBTUSDTM, ETHUSDT → ETHUSDTM: KuCoin calls bitcoin XBT and suffixes perpetuals with M.</summary>
    public static string ToKuCoinSymbol(string dataSymbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataSymbol);
        var upper = dataSymbol.ToUpperInvariant();
        if (upper.EndsWith("USDTM", StringComparison.Ordinal))
        {
            return upper;
        }

        if (!upper.EndsWith("USDT", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Symbol '{dataSymbol}' is not a USDT pair (expected e.g. BTCUSDT or XBTUSDTM).", nameof(dataSymbol));
        }

        var baseCurrency = upper[..^4];
        return (baseCurrency == "BTC" ? "XBT" : baseCurrency) + "USDTM";
    }

    /// <summary>XBTUSDTM → BTCUSDT: the name the candle files carry.</summary>
    public static string ToDataSymbol(string kuCoinSymbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kuCoinSymbol);
        var upper = kuCoinSymbol.ToUpperInvariant();
        if (!upper.EndsWith("USDTM", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Symbol '{kuCoinSymbol}' is not a KuCoin USDT perpetual (expected e.g. XBTUSDTM).", nameof(kuCoinSymbol));
        }

        var baseCurrency = upper[..^5];
        return (baseCurrency == "XBT" ? "BTC" : baseCurrency) + "USDT";
    }
}
