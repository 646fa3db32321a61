using System.Globalization;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Domain.Execution;

/// <summary>Why the last gate refused an approval: the code is what the audit trail and the logs carry.</summary>
public enum ApprovalBreach
{
    /// <summary>LAST_GATE_SIZE: no lots, or a price that is not positive.</summary>
    Size,

    /// <summary>LAST_GATE_LEVERAGE: below 1x or above what the contract or the configuration allows.</summary>
    Leverage,

    /// <summary>LAST_GATE_NOTIONAL: the entry's notional is above the configured cap per order.</summary>
    Notional,

    /// <summary>LAST_GATE_MARK_DISTANCE: the entry price is too far from the market's mark.</summary>
    MarkDistance,

    /// <summary>LAST_GATE_STOP: the stop is not on the losing side of the entry, or the liquidation price is not beyond it.</summary>
    Stop,

    /// <summary>LAST_GATE_TARGET: the target is not on the winning side of the entry.</summary>
    Target,
}

/// <summary>The last gate's limits, whatever risk approved (defence in depth: a fat finger, a bug, a forged approval).</summary>
public sealed record ApprovalLimits
{
    /// <summary>The highest leverage ever sent (the seed searches up to 100x; the contract's own maximum applies too).</summary>
    public decimal MaxLeverage { get; init; } = 100m;

    /// <summary>The largest entry notional in quote currency (USDT) one order may have.</summary>
    public decimal MaxOrderNotional { get; init; } = 250_000m;

    /// <summary>How far (a fraction of the mark) an entry price may be from the mark: 0.05 = 5%.</summary>
    public decimal MaxMarkDistance { get; init; } = 0.05m;
}

public readonly record struct ApprovalRefusal(ApprovalBreach Breach, string Detail)
{
    public string Code => Breach switch
    {
        ApprovalBreach.Size => "LAST_GATE_SIZE",
        ApprovalBreach.Leverage => "LAST_GATE_LEVERAGE",
        ApprovalBreach.Notional => "LAST_GATE_NOTIONAL",
        ApprovalBreach.MarkDistance => "LAST_GATE_MARK_DISTANCE",
        ApprovalBreach.Stop => "LAST_GATE_STOP",
        _ => "LAST_GATE_TARGET",
    };

    public override string ToString() => $"{Code}: {Detail}";
}

/// <summary>
/// The Execution agent's own check of an approval before anything is sent: only what no risk gate could have approved
/// under the configured limits is refused, whatever the risk parameters of the day (those the gate applies).
/// </summary>
public static class ApprovalBounds
{
    /// <param name="mark">The market's price now (the live book's mid), or null when none is known: the distance is then not judged.</param>
    public static IReadOnlyList<ApprovalRefusal> Check(SizedOrder approval, ContractSpec contract, ApprovalLimits limits, decimal entryPrice, decimal? mark)
    {
        ArgumentNullException.ThrowIfNull(approval);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(limits);
        var refusals = new List<ApprovalRefusal>();
        if (approval.Lots <= 0 || entryPrice <= 0 || approval.StopPrice <= 0 || approval.TakeProfitPrice <= 0)
        {
            refusals.Add(new(ApprovalBreach.Size, Text($"{approval.Lots} lots at {entryPrice}, stop {approval.StopPrice}, target {approval.TakeProfitPrice}: all must be positive")));
            return refusals;
        }

        var maxLeverage = Math.Min(contract.MaxLeverage, limits.MaxLeverage);
        if (approval.Leverage < 1 || approval.Leverage > maxLeverage)
        {
            refusals.Add(new(ApprovalBreach.Leverage, Text($"leverage {approval.Leverage}x is outside 1x to {maxLeverage}x")));
        }

        var notional = contract.Notional(approval.Lots, entryPrice);
        if (notional > limits.MaxOrderNotional)
        {
            refusals.Add(new(ApprovalBreach.Notional, Text($"{approval.Lots} lots at {entryPrice} are {notional:0.##} notional, above the cap of {limits.MaxOrderNotional} per order")));
        }

        if (mark is > 0 && Math.Abs(entryPrice - mark.Value) / mark.Value is var distance && distance > limits.MaxMarkDistance)
        {
            refusals.Add(new(ApprovalBreach.MarkDistance, Text($"the entry {entryPrice} is {distance:P2} from the mark {mark}, more than {limits.MaxMarkDistance:P2}")));
        }

        var sign = approval.Side == Side.Long ? 1 : -1;
        if (sign * (entryPrice - approval.StopPrice) <= 0 || sign * (approval.StopPrice - approval.LiquidationPrice) <= 0)
        {
            refusals.Add(new(ApprovalBreach.Stop, Text($"a {approval.Side.ToString().ToLowerInvariant()} at {entryPrice} needs its stop {approval.StopPrice} between the entry and its liquidation {approval.LiquidationPrice}")));
        }

        if (sign * (approval.TakeProfitPrice - entryPrice) <= 0)
        {
            refusals.Add(new(ApprovalBreach.Target, Text($"a {approval.Side.ToString().ToLowerInvariant()} at {entryPrice} needs its target {approval.TakeProfitPrice} on the winning side")));
        }

        return refusals;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
