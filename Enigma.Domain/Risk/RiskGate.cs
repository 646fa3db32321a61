using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Domain.Risk;

/// <summary>Every rule a trade must pass; a rejection names each one that failed.</summary>
public enum RiskRule
{
    InvalidRequest,
    LeverageAboveContractMax,
    LeverageAboveVolatilityMax,
    DailyDrawdown,
    ConsecutiveLosses,
    MaxOpenPositions,
    PositionLimit,
    ZeroSize,
    TotalExposure,
    CorrelatedExposure,
    BreakEvenUnreachable,
    LiquidationTooClose,

    /// <summary>The system is not TRADING (paused, stopping, or in an emergency stop): no new position opens.</summary>
    TradingHalted,
}

public sealed record RiskRejection(RiskRule Rule, string Reason);

/// <summary>An open position as the portfolio view sees it; returns are aligned with the request's.</summary>
public sealed record OpenPosition(string Symbol, Side Side, decimal Margin, IReadOnlyList<double> Returns);

/// <summary>The portfolio the Risk agent keeps: equity now and at the start of the UTC day, the losing streak, open positions.</summary>
public sealed record PortfolioView(decimal Equity, decimal DayStartEquity, int ConsecutiveLosses, IReadOnlyList<OpenPosition> Positions);

/// <summary>A trade the Signal agent wants: side, the entry price execution expects, volatility, recent returns.</summary>
public sealed record RiskRequest(ContractSpec Contract, Side Side, decimal EntryPrice, double AtrPercent, IReadOnlyList<double> Returns, decimal? Leverage = null);

/// <summary>
/// The order risk approved: sized in lots, its prices rounded the safe way, its margin, risk and liquidation.
/// Only <see cref="RiskGate"/> can make one (the constructor is internal), so an entry order that requires a
/// <see cref="SizedOrder"/> cannot exist without a risk approval.
/// </summary>
public sealed record SizedOrder
{
    // Internal: only RiskGate sizes an order. The JSON constructor is how an approval crosses to the node that hosts the
    // symbol's Execution entity; the cluster's own serializer is the only caller (the same trust as any cluster member).
    [System.Text.Json.Serialization.JsonConstructor]
    internal SizedOrder(string symbol, Side side, long lots, decimal leverage, decimal entryPrice, decimal stopPrice, decimal takeProfitPrice, decimal liquidationPrice, decimal margin, decimal riskAmount, decimal breakEvenRoi)
    {
        (Symbol, Side, Lots, Leverage, EntryPrice, StopPrice, TakeProfitPrice, LiquidationPrice, Margin, RiskAmount, BreakEvenRoi) =
            (symbol, side, lots, leverage, entryPrice, stopPrice, takeProfitPrice, liquidationPrice, margin, riskAmount, breakEvenRoi);
    }

    public string Symbol { get; }

    public Side Side { get; }

    public long Lots { get; }

    public decimal Leverage { get; }

    public decimal EntryPrice { get; }

    public decimal StopPrice { get; }

    public decimal TakeProfitPrice { get; }

    public decimal LiquidationPrice { get; }

    public decimal Margin { get; }

    public decimal RiskAmount { get; }

    public decimal BreakEvenRoi { get; }
}

/// <summary>An approval carrying the sized order, or a rejection listing every rule that failed.</summary>
public sealed record RiskDecision(SizedOrder? Order, IReadOnlyList<RiskRejection> Rejections)
{
    public bool IsApproved => Order is not null;
}

/// <summary>
/// The Risk agent's gatekeeper: sizes the trade, then checks every rule of the seed's checklist and returns either
/// the sized order or all the reasons it cannot be placed. Pure: the same inputs always give the same decision.
/// </summary>
public static class RiskGate
{
    public static RiskDecision Evaluate(RiskRequest request, PortfolioView portfolio, RiskParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(portfolio);
        var p = parameters ?? RiskParameters.Default;
        var rejections = new List<RiskRejection>();
        var contract = request.Contract;
        var leverage = request.Leverage ?? p.DefaultLeverage;

        if (request.EntryPrice <= 0 || leverage < 1 || portfolio.Equity <= 0 || portfolio.DayStartEquity <= 0 || !double.IsFinite(request.AtrPercent) || request.AtrPercent < 0)
        {
            rejections.Add(new(RiskRule.InvalidRequest, Text($"entry {request.EntryPrice}, leverage {leverage}, equity {portfolio.Equity}, day-start equity {portfolio.DayStartEquity} and ATR% {request.AtrPercent} must all be positive")));
            return new RiskDecision(null, rejections);
        }

        if (leverage > contract.MaxLeverage)
        {
            rejections.Add(new(RiskRule.LeverageAboveContractMax, Text($"leverage {leverage}x is above {contract.Symbol}'s maximum {contract.MaxLeverage}x")));
        }

        var volatilityMax = VolatilityAdjustedMaxLeverage(request.AtrPercent, p.LiquidationAtrMultiple, contract.MaxLeverage);
        if (leverage > volatilityMax && volatilityMax < contract.MaxLeverage)
        {
            // Only when volatility is the stricter limit; above the contract's own maximum that rule speaks.
            rejections.Add(new(RiskRule.LeverageAboveVolatilityMax, Text($"leverage {leverage}x is above {volatilityMax}x, the most that keeps liquidation {p.LiquidationAtrMultiple} ATRs away (ATR {request.AtrPercent:0.###}% of price)")));
        }

        var drawdown = (portfolio.DayStartEquity - portfolio.Equity) / portfolio.DayStartEquity * 100;
        if (drawdown >= p.MaxDailyDrawdownPercent)
        {
            rejections.Add(new(RiskRule.DailyDrawdown, Text($"daily drawdown {drawdown:0.##}% has reached the limit of {p.MaxDailyDrawdownPercent}%")));
        }

        if (portfolio.ConsecutiveLosses >= p.MaxConsecutiveLosses)
        {
            rejections.Add(new(RiskRule.ConsecutiveLosses, Text($"{portfolio.ConsecutiveLosses} losses in a row reach the limit of {p.MaxConsecutiveLosses}")));
        }

        if (portfolio.Positions.Count >= p.MaxOpenPositions)
        {
            rejections.Add(new(RiskRule.MaxOpenPositions, Text($"{portfolio.Positions.Count} positions are open, the most allowed is {p.MaxOpenPositions}")));
        }

        // Prices, rounded the safe way for this side.
        var entry = contract.RoundEntryPrice(request.Side, request.EntryPrice);
        var stop = contract.RoundStopPrice(request.Side, RiskFormulas.StopPrice(request.Side, entry, p.StopLossRoi, leverage));
        var takeProfit = contract.RoundTakeProfitPrice(request.Side, RiskFormulas.TakeProfitPrice(request.Side, entry, p.TakeProfitRoi, leverage));
        var liquidation = RiskFormulas.LiquidationPrice(request.Side, entry, leverage, contract.MaintenanceMarginRate, contract.TakerFeeRate);

        // Size: the equity risked (inversely scaled with leverage) over the loss of one lot at the stop, fees included.
        var riskPercent = Math.Min(RiskFormulas.AdjustedRiskPercent(p.BaseRiskPercent, leverage), p.MaxRiskPercent);
        var riskAmount = portfolio.Equity * riskPercent / 100;
        var lossPerLot = (Math.Abs(entry - stop) * contract.Multiplier) + ((entry + stop) * contract.Multiplier * contract.TakerFeeRate);
        var riskLots = contract.RoundLotsDown(riskAmount / lossPerLot);
        var marginPerLot = contract.Margin(1, entry, leverage);
        var capLots = contract.RoundLotsDown(portfolio.Equity * p.MaxPositionPercent / 100 / marginPerLot);
        var lots = Math.Min(riskLots, capLots);
        if (capLots == 0)
        {
            rejections.Add(new(RiskRule.PositionLimit, Text($"one lot needs {marginPerLot:0.####} margin, more than {p.MaxPositionPercent}% of equity {portfolio.Equity}")));
        }
        else if (riskLots == 0)
        {
            rejections.Add(new(RiskRule.ZeroSize, Text($"risking {riskPercent:0.###}% of equity ({riskAmount:0.####}) buys no lot: one lot loses {lossPerLot:0.####} at the stop {stop}")));
        }

        var margin = contract.Margin(lots, entry, leverage);
        var openMargin = portfolio.Positions.Sum(x => x.Margin);
        if (lots > 0 && (openMargin + margin) > portfolio.Equity * p.MaxTotalExposurePercent / 100)
        {
            rejections.Add(new(RiskRule.TotalExposure, Text($"margin {openMargin:0.##} open plus {margin:0.##} new exceeds {p.MaxTotalExposurePercent}% of equity")));
        }

        var correlated = CorrelatedMargin(request, portfolio, p, out var names);
        if (lots > 0 && correlated > 0 && correlated + margin > portfolio.Equity * p.CorrelatedExposurePercent / 100)
        {
            rejections.Add(new(RiskRule.CorrelatedExposure, Text($"{names} move with {contract.Symbol} (|r| >= {p.CorrelationThreshold} or unknown) the same way: {correlated:0.##} margin plus {margin:0.##} exceeds {p.CorrelatedExposurePercent}% of equity")));
        }

        var breakEven = RiskFormulas.BreakEvenRoi(contract.TakerFeeRate, leverage, p.BreakEvenBufferRoi);
        if (p.TakeProfitRoi <= breakEven)
        {
            rejections.Add(new(RiskRule.BreakEvenUnreachable, Text($"take-profit ROI {p.TakeProfitRoi}% does not clear the fee-adjusted break-even {breakEven}% at {leverage}x")));
        }

        var buffer = Math.Abs(stop - liquidation) / stop * 100;
        var beyondStop = request.Side == Side.Long ? liquidation < stop : liquidation > stop;
        if (!beyondStop || buffer < p.LiquidationBufferPercent)
        {
            rejections.Add(new(RiskRule.LiquidationTooClose, Text($"liquidation at {liquidation:0.####} is {(beyondStop ? buffer : -buffer):0.##}% beyond the stop {stop}; at least {p.LiquidationBufferPercent}% is required")));
        }

        return rejections.Count > 0
            ? new RiskDecision(null, rejections)
            : new RiskDecision(new SizedOrder(contract.Symbol, request.Side, lots, leverage, entry, stop, takeProfit, liquidation, margin, riskAmount, breakEven), rejections);
    }

    /// <summary>
    /// The highest leverage whose liquidation distance (about 1/L of price) is at least k ATRs:
    /// <c>floor(100 / (k × ATR%))</c>, never above the contract's maximum and never below 1.
    /// </summary>
    public static int VolatilityAdjustedMaxLeverage(double atrPercent, decimal atrMultiple, int contractMax)
    {
        if (atrPercent <= 0)
        {
            return contractMax;
        }

        var max = Math.Floor(100.0 / ((double)atrMultiple * atrPercent));
        return (int)Math.Clamp(max, 1, contractMax);
    }

    /// <summary>Margin of the open positions that would add to the same bet: correlated and the same way, or anti-correlated and opposite.</summary>
    private static decimal CorrelatedMargin(RiskRequest request, PortfolioView portfolio, RiskParameters p, out string names)
    {
        var total = 0m;
        var found = new List<string>();
        foreach (var position in portfolio.Positions)
        {
            var r = position.Symbol == request.Contract.Symbol
                ? 1.0
                : Correlation.Pearson(AsSpan(request.Returns), AsSpan(position.Returns), p.CorrelationMinSamples);
            var sameBet = r is not { } known
                || (Math.Abs(known) >= p.CorrelationThreshold && (known > 0) == (position.Side == request.Side));
            if (sameBet)
            {
                total += position.Margin;
                found.Add(r is { } v ? Text($"{position.Symbol} (r {v:0.00})") : $"{position.Symbol} (r unknown)");
            }
        }

        names = string.Join(", ", found);
        return total;
    }

    /// <summary>Arrays are read in place; any other list is copied once.</summary>
    private static ReadOnlySpan<double> AsSpan(IReadOnlyList<double> values) => values switch
    {
        double[] array => array,
        ArraySegment<double> segment => segment.AsSpan(),
        _ => values.ToArray(),
    };

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
