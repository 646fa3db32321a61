using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Tests.Domain.Risk;

public sealed class AuditInvariantSpecs
{
    private static readonly AuditSnapshot Healthy = new(
        new PortfolioView(10_000m, 10_000m, 0, [new OpenPosition("XBTUSDTM", Side.Long, 500m, [])]),
        AvailableBalance: 9_000m, WebSocketConnected: true, NowMs: 100_000, LastHeartbeatMs: 95_000, PaperMode: true, HasValidCredentials: false, KeyCanWithdraw: false);

    private static List<InvariantViolation> Check(AuditSnapshot snapshot)
    {
        var violations = new List<InvariantViolation>();
        AuditInvariants.Check(snapshot, RiskParameters.Default, heartbeatTimeoutMs: 30_000, violations);
        return violations;
    }

    [Fact]
    public void A_healthy_system_must_violate_nothing()
    {
        Assert.Empty(Check(Healthy));
    }

    /// <summary>
    /// Found by the crash spec: a position sized at exactly the limit, then a small dip in equity, must not stop the
    /// system; nor must a book filled to exactly the exposure limit. Past the headroom both are violations.
    /// </summary>
    [Fact]
    public void Positions_at_the_gates_limits_after_a_dip_in_equity_are_within_the_invariants()
    {
        var dipped = Healthy.Portfolio with { Equity = 9_900m, Positions = [.. Enumerable.Range(0, 3).Select(i => new OpenPosition($"S{i}", Side.Long, 1_000m, []))] };
        var violations = new List<InvariantViolation>();
        AuditInvariants.Check(Healthy with { Portfolio = dipped }, RiskParameters.Default, 60_000, violations);
        Assert.Empty(violations);

        AuditInvariants.Check(Healthy with { Portfolio = dipped with { Positions = [new OpenPosition("S0", Side.Long, 1_100m, [])] } }, RiskParameters.Default, 60_000, violations);
        Assert.Equal(Invariant.PositionSize, Assert.Single(violations).Invariant);
    }

    public static TheoryData<Invariant> Every => new(Enum.GetValues<Invariant>());

    [Theory]
    [MemberData(nameof(Every))]
    public void Every_invariant_must_be_able_to_fail_on_its_own(Invariant invariant)
    {
        var p = Healthy.Portfolio;
        var broken = invariant switch
        {
            Invariant.MaxOpenPositions => Healthy with { Portfolio = p with { Positions = [.. Enumerable.Range(0, 6).Select(i => new OpenPosition($"S{i}", Side.Long, 10m, []))] } },
            Invariant.DailyDrawdown => Healthy with { Portfolio = p with { Equity = 9_600m } },
            Invariant.ConsecutiveLosses => Healthy with { Portfolio = p with { ConsecutiveLosses = 5 } },
            Invariant.AvailableBalance => Healthy with { AvailableBalance = 0m },
            Invariant.TotalExposure => Healthy with { Portfolio = p with { Positions = [.. Enumerable.Range(0, 4).Select(i => new OpenPosition($"S{i}", Side.Long, 900m, []))] } },
            Invariant.PositionSize => Healthy with { Portfolio = p with { Positions = [new OpenPosition("XBTUSDTM", Side.Long, 1_200m, [])] } },
            Invariant.WebSocketConnected => Healthy with { WebSocketConnected = false },
            Invariant.Heartbeat => Healthy with { LastHeartbeatMs = 60_000 },
            Invariant.Credentials => Healthy with { PaperMode = false },
            Invariant.NoWithdrawalPermission => Healthy with { KeyCanWithdraw = true },
            _ => throw new ArgumentOutOfRangeException(nameof(invariant)),
        };
        Assert.Equal(invariant, Assert.Single(Check(broken)).Invariant);
    }
}
