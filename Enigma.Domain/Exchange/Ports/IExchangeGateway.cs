using Enigma.Domain.Execution;

namespace Enigma.Domain.Exchange;

/// <summary>An order as the exchange reports it, in the Execution agent's terms.</summary>
public sealed record ExchangeOrderReport(string ExchangeOrderId, string ClientOrderId, long Lots, long FilledLots, bool IsActive, bool CancelExist);

/// <summary>A fill as the exchange reports it.</summary>
public sealed record ExchangeFillReport(string TradeId, string ExchangeOrderId, long Lots, decimal Price, decimal Fee, Liquidity Liquidity, long TimeMs);

/// <summary>A funding settlement of the account's position: <paramref name="Paid"/> is what it paid (negative when it received).</summary>
public sealed record ExchangeFundingReport(long TimeMs, decimal FundingRate, decimal MarkPrice, long PositionLots, decimal Paid);

/// <summary>The result of sending an order: the exchange's id, or a refusal that a retry would not change.</summary>
public sealed record PlacementOutcome(string? ExchangeOrderId, string? Refusal)
{
    public bool Accepted => ExchangeOrderId is not null;
}

/// <summary>
/// What the Execution agent needs from an exchange: the order gateway port. Its adapter (Enigma.Exchange.KuCoin) maps
/// the venue's wire format and errors to these terms; paper trading points the same adapter at the simulator, so an
/// entity never knows which one it talks to.
/// </summary>
public interface IExchangeGateway
{
    /// <summary>
    /// Sends the order at most once (clientOid-idempotent). A refusal a retry would not change is an outcome; any
    /// exception means the outcome is unknown, and the entity looks the order up by its client order id.
    /// </summary>
    Task<PlacementOutcome> PlaceAsync(Order order, decimal leverage, CancellationToken ct);

    /// <summary>Cancels; the venue's refusal (already final, unknown order) is an <see cref="ExchangeRequestException"/>.</summary>
    Task CancelAsync(string symbol, string clientOrderId, CancellationToken ct);

    Task<ExchangeOrderReport?> FindOrderAsync(string clientOrderId, CancellationToken ct);

    Task<IReadOnlyList<ExchangeFillReport>> FillsAsync(string exchangeOrderId, CancellationToken ct);

    Task<IReadOnlyList<ExchangeOrderReport>> OpenOrdersAsync(string symbol, CancellationToken ct);

    /// <summary>The signed position in lots (long &gt; 0).</summary>
    Task<long> PositionLotsAsync(string symbol, CancellationToken ct);

    /// <summary>The account's funding settlements on the symbol after <paramref name="afterMs"/>, oldest first.</summary>
    Task<IReadOnlyList<ExchangeFundingReport>> FundingAfterAsync(string symbol, long afterMs, CancellationToken ct);
}

/// <summary>
/// The venue answered a request with an error of its own (any code): the request reached it and was judged. A
/// transport failure stays an <see cref="HttpRequestException"/> or <see cref="TimeoutException"/>; anything else is a
/// broken venue or link.
/// </summary>
public sealed class ExchangeRequestException : Exception
{
    public ExchangeRequestException(string message, Exception innerException, string code, bool isRetryable)
        : base(message, innerException)
    {
        Code = code;
        IsRetryable = isRetryable;
    }

    public ExchangeRequestException()
    {
    }

    public ExchangeRequestException(string message)
        : base(message)
    {
    }

    public ExchangeRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The venue's error code ("" when it gave none).</summary>
    public string Code { get; } = "";

    /// <summary>Whether the same request may succeed later (rate limit, venue busy).</summary>
    public bool IsRetryable { get; }
}
