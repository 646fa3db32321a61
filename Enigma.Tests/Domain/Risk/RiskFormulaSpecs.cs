using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Enigma.Tests.Domain.Risk;

public sealed class RiskFormulaSpecs
{
    [Fact]
    public void Break_even_ROI_must_be_the_seeds_6_05_percent_at_50x()
    {
        Assert.Equal(6.05m, RiskFormulas.BreakEvenRoi(0.0006m, 50m, 0.05m));
    }

    [Theory]
    [InlineData(100, 0.5)]
    [InlineData(50, 1.0)]
    [InlineData(25, 2.0)]
    public void Inverse_leverage_scaling_must_give_the_seeds_risk(int leverage, double expected)
    {
        Assert.Equal((decimal)expected, RiskFormulas.AdjustedRiskPercent(0.5m, leverage));
    }

    [Fact]
    public void The_stop_must_be_the_seeds_99_99_for_a_long_and_its_mirror_for_a_short()
    {
        Assert.Equal(99.99m, RiskFormulas.StopPrice(Side.Long, 100m, 0.5m, 50m));
        Assert.Equal(100.01m, RiskFormulas.StopPrice(Side.Short, 100m, 0.5m, 50m));
        Assert.Equal(100.03m, RiskFormulas.TakeProfitPrice(Side.Long, 100m, 1.5m, 50m));
        Assert.Equal(99.97m, RiskFormulas.TakeProfitPrice(Side.Short, 100m, 1.5m, 50m));
        Assert.Equal(-0.5m, RiskFormulas.Roi(Side.Long, 100m, 99.99m, 50m));
        Assert.Equal(-0.5m, RiskFormulas.Roi(Side.Short, 100m, 100.01m, 50m));
    }

    [Fact]
    public void Liquidation_must_reduce_to_KuCoins_bankruptcy_price_without_margin_or_fees()
    {
        // kucoin-futures-api.md 4.7: entry 59500 at 5x has bankruptPrice 47600.
        Assert.Equal(47600m, RiskFormulas.LiquidationPrice(Side.Long, 59500m, 5m, 0m, 0m));
        Assert.Equal(71400m, RiskFormulas.LiquidationPrice(Side.Short, 59500m, 5m, 0m, 0m));
        var longLiquidation = RiskFormulas.LiquidationPrice(Side.Long, 59500m, 5m, 0.004m, 0.0006m);
        var shortLiquidation = RiskFormulas.LiquidationPrice(Side.Short, 59500m, 5m, 0.004m, 0.0006m);
        Assert.InRange(longLiquidation, 47600m, 59500m);
        Assert.InRange(shortLiquidation, 59500m, 71400m);

        // At the liquidation price, margin minus loss equals maintenance margin plus the closing fee.
        var lots = 2m * 0.001m;
        var margin = 59500m * lots / 5m;
        Assert.Equal(margin - ((59500m - longLiquidation) * lots), longLiquidation * lots * (0.004m + 0.0006m), 10);
    }

    [Fact]
    public void The_trailing_stop_must_climb_in_steps_once_activated()
    {
        // Entry 100, 50x, activation 1% ROI, steps of 0.5%, trailing 0.5% behind the step.
        Assert.Equal(99.99m, RiskFormulas.TrailingStop(Side.Long, 100m, 50m, 99.99m, 0.9m, 1m, 0.5m, 0.5m));
        Assert.Equal(100.01m, RiskFormulas.TrailingStop(Side.Long, 100m, 50m, 99.99m, 1.2m, 1m, 0.5m, 0.5m));
        Assert.Equal(100.02m, RiskFormulas.TrailingStop(Side.Long, 100m, 50m, 100.01m, 1.7m, 1m, 0.5m, 0.5m));
        Assert.Equal(99.99m, RiskFormulas.TrailingStop(Side.Short, 100m, 50m, 100.01m, 1.2m, 1m, 0.5m, 0.5m));

        // With the defaults (activation 10%, stairs of 5%, 5% behind) at 10x: 17% ROI is on the 15% stair, which locks
        // in 10% ROI, a 1% move.
        Assert.Equal(101m, RiskFormulas.TrailingStop(Side.Long, 100m, 10m, 95m, 17m, RiskParameters.Default));
        Assert.Equal(95m, RiskFormulas.TrailingStop(Side.Long, 100m, 10m, 95m, 9.9m, RiskParameters.Default));
    }

    [Property(MaxTest = 300)]
    public void The_trailing_stop_must_never_loosen(bool isLong, PositiveInt leverage, NonEmptyArray<int> roiPath)
    {
        var side = isLong ? Side.Long : Side.Short;
        var lev = Math.Min(leverage.Get, 125);
        var stop = RiskFormulas.StopPrice(side, 100m, 1m, lev);
        foreach (var roiTenths in roiPath.Get)
        {
            var next = RiskFormulas.TrailingStop(side, 100m, lev, stop, (roiTenths % 500) / 10m, 1m, 0.5m, 0.5m);
            Assert.True(side == Side.Long ? next >= stop : next <= stop, $"stop moved from {stop} to {next}");
            stop = next;
        }
    }

    [Property(MaxTest = 500)]
    public void Rounding_must_never_make_an_order_riskier_than_asked(bool isLong, PositiveInt priceCents, PositiveInt lotsHundredths, int tickIndex)
    {
        decimal[] ticks = [0.1m, 0.01m, 0.5m, 1m, 0.00001m];
        var contract = ContractSpec.XbtUsdtm with { TickSize = ticks[Math.Abs(tickIndex % ticks.Length)] };
        var side = isLong ? Side.Long : Side.Short;
        var price = priceCents.Get / 100m + 0.001m;
        var entry = contract.RoundEntryPrice(side, price);
        var stop = contract.RoundStopPrice(side, price);
        var takeProfit = contract.RoundTakeProfitPrice(side, price);
        Assert.True(side == Side.Long ? entry <= price : entry >= price, "entry worse than asked");
        Assert.True(side == Side.Long ? stop >= price : stop <= price, "stop farther than asked");
        Assert.True(side == Side.Long ? takeProfit <= price : takeProfit >= price, "take-profit farther than asked");
        Assert.True(Math.Abs(entry - price) < contract.TickSize && Math.Abs(stop - price) < contract.TickSize);
        Assert.Equal(0m, entry % contract.TickSize);
        var asked = lotsHundredths.Get / 100m;
        var lots = contract.RoundLotsDown(asked);
        Assert.True(lots <= asked && lots > asked - contract.LotSize);
    }
}
