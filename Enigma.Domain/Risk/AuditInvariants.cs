using System.Globalization;

namespace Enigma.Domain.Risk;

/// <summary>The seed's audit invariants, checked on every tick; any violation triggers the emergency stop.</summary>
public enum Invariant
{
    MaxOpenPositions,
    DailyDrawdown,
    ConsecutiveLosses,
    AvailableBalance,
    TotalExposure,
    PositionSize,
    WebSocketConnected,
    Heartbeat,
    Credentials,
    NoWithdrawalPermission,
}

public readonly record struct InvariantViolation(Invariant Invariant, string Detail);

/// <summary>What the Audit agent sees of the system on a tick.</summary>
public sealed record AuditSnapshot(
    PortfolioView Portfolio,
    decimal AvailableBalance,
    bool WebSocketConnected,
    long NowMs,
    long LastHeartbeatMs,
    bool PaperMode,
    bool HasValidCredentials,
    bool KeyCanWithdraw);

/// <summary>
/// The invariant cycle (seed: "run every tick", target 10 ms): positions, drawdown, losing streak, balance, exposure,
/// each position's size, connection, heartbeat, credentials in live mode, and never a key that can withdraw.
/// Appends a violation per broken invariant; allocation-free when everything holds.
/// </summary>
public static class AuditInvariants
{
    public static void Check(AuditSnapshot snapshot, RiskParameters parameters, long heartbeatTimeoutMs, ICollection<InvariantViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(violations);
        var portfolio = snapshot.Portfolio;
        var positions = portfolio.Positions;
        if (positions.Count > parameters.MaxOpenPositions)
        {
            violations.Add(new(Invariant.MaxOpenPositions, Text($"{positions.Count} open positions > {parameters.MaxOpenPositions}")));
        }

        var drawdown = portfolio.DayStartEquity > 0 ? (portfolio.DayStartEquity - portfolio.Equity) / portfolio.DayStartEquity * 100 : 0;
        if (drawdown >= parameters.MaxDailyDrawdownPercent)
        {
            violations.Add(new(Invariant.DailyDrawdown, Text($"daily drawdown {drawdown:0.##}% >= {parameters.MaxDailyDrawdownPercent}%")));
        }

        if (portfolio.ConsecutiveLosses >= parameters.MaxConsecutiveLosses)
        {
            violations.Add(new(Invariant.ConsecutiveLosses, Text($"{portfolio.ConsecutiveLosses} consecutive losses >= {parameters.MaxConsecutiveLosses}")));
        }

        if (snapshot.AvailableBalance <= 0)
        {
            violations.Add(new(Invariant.AvailableBalance, Text($"available balance {snapshot.AvailableBalance} is not positive")));
        }

        var exposure = 0m;
        var headroom = 1 + (parameters.InvariantHeadroomPercent / 100);
        var positionLimit = portfolio.Equity * parameters.MaxPositionPercent / 100 * headroom;
        for (var i = 0; i < positions.Count; i++)
        {
            var margin = positions[i].Margin;
            exposure += margin;
            if (margin > positionLimit)
            {
                violations.Add(new(Invariant.PositionSize, Text($"{positions[i].Symbol} margin {margin} > {parameters.MaxPositionPercent}% of equity {portfolio.Equity} (with {parameters.InvariantHeadroomPercent}% headroom)")));
            }
        }

        if (exposure > portfolio.Equity * parameters.MaxTotalExposurePercent / 100 * headroom)
        {
            violations.Add(new(Invariant.TotalExposure, Text($"total margin {exposure} > {parameters.MaxTotalExposurePercent}% of equity {portfolio.Equity} (with {parameters.InvariantHeadroomPercent}% headroom)")));
        }

        if (!snapshot.WebSocketConnected)
        {
            violations.Add(new(Invariant.WebSocketConnected, "the market-data WebSocket is disconnected"));
        }

        if (snapshot.NowMs - snapshot.LastHeartbeatMs >= heartbeatTimeoutMs)
        {
            violations.Add(new(Invariant.Heartbeat, Text($"last heartbeat {snapshot.NowMs - snapshot.LastHeartbeatMs} ms ago >= {heartbeatTimeoutMs} ms")));
        }

        if (!snapshot.PaperMode && !snapshot.HasValidCredentials)
        {
            violations.Add(new(Invariant.Credentials, "the API credentials are not valid (the exchange refuses them)"));
        }

        if (snapshot.KeyCanWithdraw)
        {
            violations.Add(new(Invariant.NoWithdrawalPermission, "the API key can withdraw or transfer funds"));
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
