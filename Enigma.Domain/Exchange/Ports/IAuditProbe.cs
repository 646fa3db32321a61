namespace Enigma.Domain.Exchange;

/// <summary>
/// What the Audit agent reads from outside the actors on each tick. <see cref="CredentialsProblem"/> is set when the
/// exchange refused the key (revoked, wrong secret); <see cref="KeyPermissionProblem"/> when the key could move funds.
/// </summary>
public sealed record AuditReading(
    decimal AccountEquity,
    decimal AvailableBalance,
    long ExchangeTimeMs,
    TimeSpan WebSocketDownFor,
    TimeSpan WebSocketSilentFor,
    string? CredentialsProblem,
    string? KeyPermissionProblem)
{
    /// <summary>The exchange could not be read at all (down, breaker open): balances are unknown, the link state is not.</summary>
    public string? ExchangeProblem { get; init; }
}

/// <summary>The account probe port: the Audit agent's window on the exchange and the market-data link (a test can give its own).</summary>
public interface IAuditProbe
{
    Task<AuditReading> ReadAsync(CancellationToken cancellationToken);
}
