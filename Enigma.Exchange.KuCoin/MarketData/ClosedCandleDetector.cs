using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Market;

namespace Enigma.Exchange.KuCoin.MarketData;

/// <summary>
/// KuCoin's candle topic (<c>/contractMarket/limitCandle:SYMBOL_5min</c>) pushes the forming candle, with no "closed"
/// flag: a candle is final when a push with a later start arrives (kucoin-futures-api.md 5.5). This keeps the last
/// push per symbol and hands back the previous candle once the next one starts. WebSocket order is open, close, high,
/// low; the start is in seconds; index 6 is the volume in lots (index 5 is documented as wrong).
/// </summary>
public sealed class ClosedCandleDetector
{
    private readonly Dictionary<string, Candle> _forming = new(StringComparer.Ordinal);
    private readonly Func<string, decimal> _multiplier;

    /// <param name="multiplier">Base units per lot of a symbol: candles leave here with volume in base currency, as the files have it.</param>
    public ClosedCandleDetector(Func<string, decimal> multiplier) => _multiplier = multiplier;

    /// <summary>Reads one push's data; returns the candle it closed, if any.</summary>
    public Candle? OnPush(JsonElement data)
    {
        var symbol = data.GetProperty("symbol").GetString() ?? throw new FormatException("candle push without a symbol");
        var fields = data.GetProperty("candles");
        if (fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() < 7)
        {
            throw new FormatException($"{symbol}: a candle push needs 7 fields, got {fields.GetRawText()}");
        }

        decimal Field(int i) => decimal.Parse(fields[i].GetString() ?? "", NumberStyles.Float, CultureInfo.InvariantCulture);
        var candle = new Candle(
            (long)Field(0) * 1000, Field(1), Field(3), Field(4), Field(2), Field(6) * _multiplier(symbol));
        if (candle.DescribeOhlcViolation() is { } violation)
        {
            throw new FormatException($"{symbol}: candle at {candle.OpenTimeMs} is impossible: {violation}");
        }

        Candle? closed = null;
        if (_forming.TryGetValue(symbol, out var previous))
        {
            if (candle.OpenTimeMs < previous.OpenTimeMs)
            {
                return null;
            }

            if (candle.OpenTimeMs > previous.OpenTimeMs)
            {
                closed = previous;
            }
        }

        _forming[symbol] = candle;
        return closed;
    }
}
