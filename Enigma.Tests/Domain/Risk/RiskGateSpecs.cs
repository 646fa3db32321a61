using Enigma.Domain.Indicators;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Risk;

public sealed class RiskGateSpecs
{
    private static readonly ContractSpec Btc = ContractSpec.XbtUsdtm;
    private static readonly PortfolioView Flat = new(10_000m, 10_000m, 0, []);

    private static RiskRequest Request(Side side = Side.Long, decimal entry = 60_000.04m, double atrPercent = 0.5, decimal? leverage = null, IReadOnlyList<double>? returns = null) =>
        new(Btc, side, entry, atrPercent, returns ?? [], leverage);

    [Fact]
    public void A_sound_trade_must_be_approved_with_its_size_and_safely_rounded_prices()
    {
        var decision = RiskGate.Evaluate(Request(), Flat);

        Assert.True(decision.IsApproved, string.Join("; ", decision.Rejections));
        var order = decision.Order!;
        Assert.Equal(60_000.0m, order.EntryPrice);                 // a long's entry rounds down to the 0.1 tick
        Assert.Equal(59_700.0m, order.StopPrice);                  // 60000 × (1 − 5 / 10 / 100)
        Assert.Equal(60_900.0m, order.TakeProfitPrice);            // 60000 × (1 + 15 / 10 / 100)
        Assert.Equal(10m, order.Leverage);
        Assert.Equal(200m, order.RiskAmount);                      // 0.5% × 100/10 = 5%, capped at MAX_RISK_PERCENT 2%
        Assert.Equal(166, order.Lots);                             // risk buys 537 lots; 10% of equity as margin buys 166
        Assert.Equal(996m, order.Margin);                          // 166 × 0.001 × 60000 / 10
        Assert.Equal(1.25m, order.BreakEvenRoi);                   // 0.0006 × 2 × 10 × 100 + 0.05
        Assert.Equal(RiskFormulas.LiquidationPrice(Side.Long, 60_000m, 10m, 0.004m, 0.0006m), order.LiquidationPrice);
        Assert.Empty(decision.Rejections);
    }

    [Fact]
    public void A_short_must_round_its_prices_the_other_way()
    {
        var order = RiskGate.Evaluate(Request(Side.Short, 60_000.04m), Flat).Order!;
        Assert.Equal(60_000.1m, order.EntryPrice);
        Assert.True(order.StopPrice > order.EntryPrice && order.TakeProfitPrice < order.EntryPrice && order.LiquidationPrice > order.StopPrice);
    }

    /// <summary>Every rule of the gate; TradingHalted is the portfolio actor's (the system state is not the gate's to know).</summary>
    public static TheoryData<RiskRule> EveryRule => new(Enum.GetValues<RiskRule>().Where(r => r != RiskRule.TradingHalted));

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void Every_rule_must_be_able_to_reject_a_trade_on_its_own(RiskRule rule)
    {
        var parameters = RiskParameters.Default;
        var request = Request();
        var portfolio = Flat;
        switch (rule)
        {
            case RiskRule.InvalidRequest: request = request with { EntryPrice = 0 }; break;
            case RiskRule.LeverageAboveContractMax: request = request with { Leverage = 150m, AtrPercent = 0 }; parameters = parameters with { LiquidationBufferPercent = 0.1m, TakeProfitRoi = 500m }; break;
            case RiskRule.LeverageAboveVolatilityMax: request = request with { AtrPercent = 5.0 }; break;
            case RiskRule.DailyDrawdown: portfolio = portfolio with { Equity = 9_500m }; break;
            case RiskRule.ConsecutiveLosses: portfolio = portfolio with { ConsecutiveLosses = 5 }; break;
            case RiskRule.MaxOpenPositions:
                portfolio = portfolio with { Positions = [.. Enumerable.Range(0, 5).Select(i => new OpenPosition($"S{i}", Side.Long, 1m, Uncorrelated(i)))] };
                request = request with { Returns = Uncorrelated(99) };
                break;
            case RiskRule.PositionLimit: portfolio = new PortfolioView(50m, 50m, 0, []); break;
            case RiskRule.ZeroSize: parameters = parameters with { BaseRiskPercent = 0.0001m }; break;
            case RiskRule.TotalExposure:
                portfolio = portfolio with { Positions = [new OpenPosition("ETHUSDTM", Side.Short, 2_500m, Uncorrelated(1))] };
                request = request with { Returns = Uncorrelated(2) };
                break;
            case RiskRule.CorrelatedExposure:
                var returns = Uncorrelated(3);
                portfolio = portfolio with { Positions = [new OpenPosition("ETHUSDTM", Side.Long, 800m, returns)] };
                request = request with { Returns = returns };
                break;
            case RiskRule.BreakEvenUnreachable: parameters = parameters with { TakeProfitRoi = 1.0m }; break;
            case RiskRule.LiquidationTooClose: parameters = parameters with { LiquidationBufferPercent = 9.5m }; break;
        }

        var decision = RiskGate.Evaluate(request, portfolio, parameters);
        Assert.False(decision.IsApproved);
        var rejection = Assert.Single(decision.Rejections);
        Assert.Equal(rule, rejection.Rule);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
    }

    [Fact]
    public void A_rejection_must_list_every_rule_that_failed_not_only_the_first()
    {
        var portfolio = new PortfolioView(9_000m, 10_000m, 7, []);
        var decision = RiskGate.Evaluate(Request(leverage: 50m), portfolio, RiskParameters.Default with { TakeProfitRoi = 3m });
        var rules = decision.Rejections.Select(r => r.Rule).ToHashSet();
        Assert.Superset(new HashSet<RiskRule> { RiskRule.DailyDrawdown, RiskRule.ConsecutiveLosses, RiskRule.BreakEvenUnreachable, RiskRule.LiquidationTooClose }, rules);
        Assert.Contains("10% has reached the limit of 4%", decision.Rejections.Single(r => r.Rule == RiskRule.DailyDrawdown).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_opposite_position_in_a_negatively_correlated_market_must_count_as_the_same_bet()
    {
        var returns = Uncorrelated(5);
        var mirrored = returns.Select(r => -r).ToArray();
        var portfolio = Flat with { Positions = [new OpenPosition("ETHUSDTM", Side.Short, 800m, mirrored)] };
        Assert.Contains(RiskGate.Evaluate(Request(returns: returns), portfolio).Rejections, r => r.Rule == RiskRule.CorrelatedExposure);

        var hedge = Flat with { Positions = [new OpenPosition("ETHUSDTM", Side.Short, 800m, returns)] };
        Assert.True(RiskGate.Evaluate(Request(returns: returns), hedge).IsApproved);
    }

    [Fact]
    public void Correlation_of_real_BTC_and_ETH_returns_must_be_high_and_of_unrelated_noise_low()
    {
        double[] Closes(string file) => [.. CandleCsvReader.Load(TestFiles.Candles(file)).EnsureUsable().Candles.Skip(1).Take(2_000).Select(c => (double)c.Close)];
        var btc = Correlation.Returns(Closes("bybit-linear/BTCUSDT-5m.csv.gz"));
        var eth = Correlation.Returns(Closes("bybit-linear/ETHUSDT-5m.csv.gz"));
        Assert.InRange(Correlation.Pearson(btc, eth)!.Value, 0.7, 1.0);
        Assert.InRange(Correlation.Pearson(Uncorrelated(1), Uncorrelated(2))!.Value, -0.3, 0.3);
        Assert.Null(Correlation.Pearson([1, 2, 3], [3, 2, 1]));
        Assert.Null(Correlation.Pearson(new double[50], Uncorrelated(1)));
    }

    [Theory]
    [InlineData(0.15, 125)]
    [InlineData(0.5, 66)]
    [InlineData(2.0, 16)]
    [InlineData(50.0, 1)]
    public void Volatility_must_cap_leverage_so_liquidation_stays_three_ATRs_away(double atrPercent, int expected)
    {
        Assert.Equal(expected, RiskGate.VolatilityAdjustedMaxLeverage(atrPercent, 3m, 125));
    }

    [Fact]
    public void ATR_must_follow_Wilders_smoothing_from_the_mean_of_the_first_true_ranges()
    {
        var candles = CandleCsvReader.Load(TestFiles.Fixture("ethusdt-5m-input.csv")).Candles;
        var atr = new AverageTrueRange(14);
        double sum = 0, expected = 0;
        for (var i = 0; i < candles.Length; i++)
        {
            atr.Update(candles[i]);
            if (i == 0)
            {
                Assert.Null(atr.Value);
                continue;
            }

            double h = (double)candles[i].High, l = (double)candles[i].Low, pc = (double)candles[i - 1].Close;
            var tr = Math.Max(h - l, Math.Max(Math.Abs(h - pc), Math.Abs(l - pc)));
            if (i < 14)
            {
                sum += tr;
                Assert.Null(atr.Value);
            }
            else
            {
                expected = i == 14 ? (sum + tr) / 14 : ((expected * 13) + tr) / 14;
                Assert.Equal(expected, atr.Value!.Value, tolerance: 1e-9);
            }
        }

        var restored = AverageTrueRange.Restore(atr.Snapshot());
        Assert.Equal(atr.Value, restored.Value);
    }

    /// <summary>Deterministic noise returns, independent per seed.</summary>
    private static double[] Uncorrelated(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 200).Select(_ => (random.NextDouble() - 0.5) / 100)];
    }
}
