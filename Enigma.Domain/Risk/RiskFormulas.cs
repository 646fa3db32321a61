using Enigma.Domain.Market;

namespace Enigma.Domain.Risk;

/// <summary>
/// The seed's risk formulas, exactly as it writes them, in decimal. ROI is return on margin in percent
/// (price move × leverage × 100), which is how the seed's worked examples use it.
/// </summary>
public static class RiskFormulas
{
    /// <summary>
    /// Fee-adjusted break-even ROI: <c>(TAKER_FEE × 2) × leverage × 100 + BUFFER</c>. Entry and exit both pay the taker
    /// fee on the notional, which is <c>leverage</c> times the margin. 0.0006, 50x, 0.05 → 6.05%.
    /// </summary>
    public static decimal BreakEvenRoi(decimal takerFeeRate, decimal leverage, decimal bufferRoi) =>
        (takerFeeRate * 2 * leverage * 100) + bufferRoi;

    /// <summary>Inverse leverage scaling: <c>baseRisk × (100 / leverage)</c>. 0.5% → 0.5% at 100x, 1% at 50x, 2% at 25x.</summary>
    public static decimal AdjustedRiskPercent(decimal baseRiskPercent, decimal leverage) => baseRiskPercent * (100 / leverage);

    /// <summary>Stop price: long <c>entry × (1 − SL_ROI / leverage / 100)</c>, short mirrored. $100, 0.5%, 50x → $99.99.</summary>
    public static decimal StopPrice(Side side, decimal entry, decimal stopLossRoi, decimal leverage) =>
        entry * (1 + (Sign(side) * -stopLossRoi / leverage / 100));

    /// <summary>Take-profit price: long <c>entry × (1 + TP_ROI / leverage / 100)</c>, short mirrored.</summary>
    public static decimal TakeProfitPrice(Side side, decimal entry, decimal takeProfitRoi, decimal leverage) =>
        entry * (1 + (Sign(side) * takeProfitRoi / leverage / 100));

    /// <summary>ROI in percent on margin of a position opened at <paramref name="entry"/>, marked at <paramref name="price"/>.</summary>
    public static decimal Roi(Side side, decimal entry, decimal price, decimal leverage) =>
        Sign(side) * (price - entry) / entry * leverage * 100;

    /// <summary>
    /// Isolated-margin liquidation price of a linear contract. A position is liquidated when its margin minus the loss
    /// no longer covers the maintenance margin plus the fee to close, both on the notional at the liquidation price:
    /// long  <c>entry/L − (entry − p) = p × (MMR + fee)</c>  ⇒  <c>p = entry × (1 − 1/L) / (1 − MMR − fee)</c>;
    /// short <c>entry/L − (p − entry) = p × (MMR + fee)</c>  ⇒  <c>p = entry × (1 + 1/L) / (1 + MMR + fee)</c>.
    /// With MMR = fee = 0 this is the bankruptcy price <c>entry × (1 ∓ 1/L)</c>, which KuCoin's position object reports
    /// (59500 at 5x → 47600, section 4.7). Same form as BitMEX's and Binance's isolated-margin formulas.
    /// </summary>
    public static decimal LiquidationPrice(Side side, decimal entry, decimal leverage, decimal maintenanceMarginRate, decimal takerFeeRate) =>
        side == Side.Long
            ? entry * (1 - (1 / leverage)) / (1 - maintenanceMarginRate - takerFeeRate)
            : entry * (1 + (1 / leverage)) / (1 + maintenanceMarginRate + takerFeeRate);

    /// <summary>
    /// The staircase trailing stop. Once ROI reaches <paramref name="activationRoi"/>:
    /// <c>trail_level = floor(roi / STEP) × STEP</c>, <c>candidate = entry × (1 + (trail_level − TRAIL_DISTANCE) / leverage / 100)</c>
    /// (mirrored for a short), and the stop only ever tightens: max(current, candidate) for a long, min for a short.
    /// </summary>
    public static decimal TrailingStop(Side side, decimal entry, decimal leverage, decimal currentStop, decimal currentRoi, decimal activationRoi, decimal stepRoi, decimal distanceRoi)
    {
        if (currentRoi < activationRoi || stepRoi <= 0)
        {
            return currentStop;
        }

        var level = decimal.Floor(currentRoi / stepRoi) * stepRoi;
        var candidate = entry * (1 + (Sign(side) * (level - distanceRoi) / leverage / 100));
        return side == Side.Long ? Math.Max(currentStop, candidate) : Math.Min(currentStop, candidate);
    }

    /// <summary>The staircase trailing stop with the parameters' TRAIL_ACTIVATION, STEP_SIZE and TRAIL_DISTANCE.</summary>
    public static decimal TrailingStop(Side side, decimal entry, decimal leverage, decimal currentStop, decimal currentRoi, RiskParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return TrailingStop(side, entry, leverage, currentStop, currentRoi, parameters.TrailActivationRoi, parameters.TrailStepRoi, parameters.TrailDistanceRoi);
    }

    private static int Sign(Side side) => side == Side.Long ? 1 : -1;
}

/// <summary>The staircase's three parameters (the seed's TRAIL_ACTIVATION, STEP_SIZE and TRAIL_DISTANCE, ROI percent).</summary>
public sealed record TrailingStopParameters(decimal ActivationRoi, decimal StepRoi, decimal DistanceRoi)
{
    public static TrailingStopParameters From(RiskParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new(parameters.TrailActivationRoi, parameters.TrailStepRoi, parameters.TrailDistanceRoi);
    }
}

/// <summary>
/// When the staircase moves a working stop: live (the Execution agent, on each closed candle) and in backtests, the
/// same call on the same prices.
/// </summary>
public static class TrailingStops
{
    /// <summary>
    /// The stop the staircase asks for once the market is at <paramref name="price"/>, rounded to the tick on the
    /// safe side, when it is tighter than <paramref name="currentStop"/>; null when the stop stays (it never moves back).
    /// </summary>
    public static decimal? Next(ContractSpec contract, Side side, decimal entry, decimal leverage, decimal currentStop, decimal price, TrailingStopParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(parameters);
        if (entry <= 0 || leverage <= 0 || price <= 0)
        {
            return null;
        }

        var sign = side == Side.Long ? 1 : -1;
        var roi = sign * (price - entry) / entry * leverage * 100;
        var candidate = RiskFormulas.TrailingStop(side, entry, leverage, currentStop, roi, parameters.ActivationRoi, parameters.StepRoi, parameters.DistanceRoi);
        if (candidate == currentStop)
        {
            return null; // below the activation, or no stair higher than the stop: rounding alone is no move
        }

        var rounded = contract.RoundStopPrice(side, candidate);
        return sign * (rounded - currentStop) > 0 && sign * (price - rounded) > 0 ? rounded : null;
    }
}
