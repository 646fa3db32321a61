namespace Enigma.Domain.Market;

/// <summary>
/// Turns pushes of forming candles into closed ones: a venue such as KuCoin pushes the forming candle with no
/// "closed" flag, so a candle is final when a push with a later start arrives. This keeps the last push per symbol,
/// hands back the previous candle once the next one starts, and ignores a push older than the one it holds.
/// </summary>
public sealed class ClosedCandleTracker
{
    private readonly Dictionary<string, Candle> _forming = new(StringComparer.Ordinal);

    /// <summary>The candle that <paramref name="forming"/> closed, if any.</summary>
    public Candle? OnForming(string symbol, Candle forming)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        Candle? closed = null;
        if (_forming.TryGetValue(symbol, out var previous))
        {
            if (forming.OpenTimeMs < previous.OpenTimeMs)
            {
                return null;
            }

            if (forming.OpenTimeMs > previous.OpenTimeMs)
            {
                closed = previous;
            }
        }

        _forming[symbol] = forming;
        return closed;
    }
}
