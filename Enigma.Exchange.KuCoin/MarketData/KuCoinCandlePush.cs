using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;

namespace Enigma.Exchange.KuCoin.MarketData;

/// <summary>
/// A push of KuCoin's candle topic (<c>/contractMarket/limitCandle:SYMBOL_5min</c>): the forming candle, with no
/// "closed" flag (kucoin-futures-api.md 5.5; <see cref="ClosedCandleTracker"/> tells when one closed). WebSocket order
/// is open, close, high, low; the start is in seconds; index 6 is the volume in lots (index 5 is documented as wrong).
/// </summary>
public static class KuCoinCandlePush
{
    /// <param name="contract">The subscribed contract: candles leave here with volume in base currency, as the files have it.</param>
    public static FormingCandle Parse(JsonElement data, ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var symbol = data.GetProperty("symbol").GetString() ?? throw new FormatException("candle push without a symbol");
        var fields = data.GetProperty("candles");
        if (fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() < 7)
        {
            throw new FormatException($"{symbol}: a candle push needs 7 fields, got {fields.GetRawText()}");
        }

        decimal Field(int i) => decimal.Parse(fields[i].GetString() ?? "", NumberStyles.Float, CultureInfo.InvariantCulture);
        var candle = new Candle(
            (long)Field(0) * 1000, Field(1), Field(3), Field(4), Field(2), contract.ToBaseUnits(Field(6)));
        if (candle.DescribeOhlcViolation() is { } violation)
        {
            throw new FormatException($"{symbol}: candle at {candle.OpenTimeMs} is impossible: {violation}");
        }

        return new FormingCandle(symbol, candle);
    }
}
