using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

/// <summary>
/// A plausible path of prices inside one candle, for replaying candles as a market that trades. It starts at the
/// open, visits both extremes and ends at the close: a rising candle (close ≥ open) goes open → low → high → close,
/// a falling one open → high → low → close (the usual assumption that the extreme nearer the open came first).
/// Between those waypoints it moves linearly with seeded noise, never leaves [low, high], and every price is on the
/// tick grid. The candle's volume is spread evenly over the points, in lots. Same candle and seed, same path.
/// </summary>
public static class IntraCandlePath
{
    public static MarketTick[] Build(Candle candle, long durationMs, ContractSpec contract, int points, int seed)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(durationMs, points);

        var random = new Random(StableHash.Combine(seed, candle.OpenTimeMs));
        var rising = candle.Close >= candle.Open;
        var first = rising ? candle.Low : candle.High;
        var second = rising ? candle.High : candle.Low;

        // Waypoint positions: the first extreme in the first half, the second in the second half.
        var firstAt = 1 + random.Next(Math.Max(1, (points - 2) / 2));
        var secondAt = Math.Max(firstAt + 1, points - 2 - random.Next(Math.Max(1, (points - 2) / 2)));
        var waypoints = new (int At, decimal Price)[] { (0, candle.Open), (firstAt, first), (secondAt, second), (points - 1, candle.Close) };

        var (low, high) = TickRange(candle, contract);
        var ticks = new MarketTick[points];
        var totalLots = contract.ToLots(candle.Volume);
        var lotsPerPoint = totalLots / points;
        var range = candle.High - candle.Low;
        var step = durationMs / points;
        for (var w = 0; w < waypoints.Length - 1; w++)
        {
            var (fromAt, fromPrice) = waypoints[w];
            var (toAt, toPrice) = waypoints[w + 1];
            for (var i = fromAt; i <= toAt; i++)
            {
                var price = i == fromAt ? fromPrice
                    : i == toAt ? toPrice
                    : fromPrice + ((toPrice - fromPrice) * (i - fromAt) / (toAt - fromAt)) + (range * 0.1m * (decimal)(random.NextDouble() - 0.5));
                var onGrid = Math.Clamp(contract.RoundToTick(price), low, high);
                var lots = i == points - 1 ? totalLots - (lotsPerPoint * (points - 1)) : lotsPerPoint;
                ticks[i] = new MarketTick(candle.OpenTimeMs + (i * step), onGrid, lots);
            }
        }

        return ticks;
    }

    /// <summary>The path's last point (the close), as <see cref="Build"/> would end it, without building the rest.</summary>
    public static MarketTick Close(Candle candle, long durationMs, ContractSpec contract, int points)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 4);
        var (low, high) = TickRange(candle, contract);
        var totalLots = contract.ToLots(candle.Volume);
        var price = Math.Clamp(contract.RoundToTick(candle.Close), low, high);
        return new MarketTick(candle.OpenTimeMs + ((points - 1) * (durationMs / points)), price, totalLots - (totalLots / points * (points - 1)));
    }

    /// <summary>Prices live on the tick grid, inside the candle: a venue with a finer tick than the contract's rounds inwards.</summary>
    private static (decimal Low, decimal High) TickRange(Candle candle, ContractSpec contract)
    {
        var low = contract.CeilingToTick(candle.Low);
        return (low, Math.Max(low, contract.FloorToTick(candle.High)));
    }
}
