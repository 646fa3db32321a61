namespace Enigma.Domain.Risk;

/// <summary>
/// The Risk agent's limits, under the seed's names. Percentages are of equity unless said otherwise; ROI is on
/// margin. Defaults and reasons are in knowledge-bank/truth-docs/formulas.md.
/// </summary>
public sealed record RiskParameters
{
    public static readonly RiskParameters Default = new();

    /// <summary>MAX_POSITION_PERCENT: one position's margin at most this share of equity.</summary>
    public decimal MaxPositionPercent { get; init; } = 10m;

    /// <summary>MAX_EXPOSURE: all positions' margin together at most this share of equity.</summary>
    public decimal MaxTotalExposurePercent { get; init; } = 30m;

    /// <summary>MAX_OPEN_POSITIONS.</summary>
    public int MaxOpenPositions { get; init; } = 5;

    /// <summary>MAX_DAILY_DRAWDOWN: no new position once equity is this far below the day's starting equity.</summary>
    public decimal MaxDailyDrawdownPercent { get; init; } = 4m;

    /// <summary>MAX_CONSECUTIVE_LOSSES: no new position after this many losing trades in a row.</summary>
    public int MaxConsecutiveLosses { get; init; } = 5;

    /// <summary>BASE_RISK_PERCENT: equity risked per trade at 100x, scaled by 100 / leverage (seed: 0.5%).</summary>
    public decimal BaseRiskPercent { get; init; } = 0.5m;

    /// <summary>MAX_RISK_PERCENT: the scaled risk never exceeds this (the seed's scaling gives 5% at 10x).</summary>
    public decimal MaxRiskPercent { get; init; } = 2m;

    /// <summary>LEVERAGE_DEFAULT.</summary>
    public decimal DefaultLeverage { get; init; } = 10m;

    /// <summary>STOP_LOSS_ROI, percent on margin.</summary>
    public decimal StopLossRoi { get; init; } = 5m;

    /// <summary>TAKE_PROFIT_ROI, percent on margin.</summary>
    public decimal TakeProfitRoi { get; init; } = 15m;

    /// <summary>TRAIL_ACTIVATION: ROI percent from which the staircase trailing stop starts to climb.</summary>
    public decimal TrailActivationRoi { get; init; } = 10m;

    /// <summary>STEP_SIZE: ROI percent per stair.</summary>
    public decimal TrailStepRoi { get; init; } = 5m;

    /// <summary>TRAIL_DISTANCE: ROI percent the stop stays behind the last stair.</summary>
    public decimal TrailDistanceRoi { get; init; } = 5m;

    /// <summary>BUFFER of the break-even formula, ROI percent (seed: 0.05).</summary>
    public decimal BreakEvenBufferRoi { get; init; } = 0.05m;

    /// <summary>The liquidation price must be at least this far (percent of the stop price) beyond the stop.</summary>
    public decimal LiquidationBufferPercent { get; init; } = 5m;

    /// <summary>The liquidation distance must be at least this many ATRs: caps leverage at 100 / (k × ATR%).</summary>
    public decimal LiquidationAtrMultiple { get; init; } = 3m;

    /// <summary>|r| at or above this makes two positions correlated.</summary>
    public double CorrelationThreshold { get; init; } = 0.7;

    /// <summary>Correlated positions taken the same way may hold at most this share of equity as margin together.</summary>
    public decimal CorrelatedExposurePercent { get; init; } = 15m;

    /// <summary>Fewer aligned returns than this and correlation is unknown, which counts as correlated (the safe side).</summary>
    public int CorrelationMinSamples { get; init; } = 30;

    /// <summary>
    /// Room the audit's size and exposure invariants leave above the gate's limits, percent of the limit. The gate
    /// sizes a position up to its limit against the equity of that moment; when equity then dips, the same margin is
    /// a little more than the limit, which is not a fault. Beyond this room it is (no approval could have made it).
    /// </summary>
    public decimal InvariantHeadroomPercent { get; init; } = 10m;
}
