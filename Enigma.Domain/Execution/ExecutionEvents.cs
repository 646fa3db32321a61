namespace Enigma.Domain.Execution;

public enum Liquidity
{
    Maker,
    Taker,
}

/// <summary>
/// What happened to one symbol's orders and position. The Execution actor persists these and rebuilds its state by
/// folding <see cref="ExecutionLedger.Apply"/> over them, so each carries everything needed, money included.
/// </summary>
public abstract record ExecutionEvent(long TimestampMs);

public sealed record OrderPlaced(long TimestampMs, Order Order) : ExecutionEvent(TimestampMs);

public sealed record OrderAccepted(long TimestampMs, string ClientOrderId, string ExchangeOrderId) : ExecutionEvent(TimestampMs);

/// <summary>A fill: <paramref name="Fee"/> is what the exchange charged in quote currency (negative for a maker rebate).</summary>
public sealed record OrderFilled(long TimestampMs, string ClientOrderId, string TradeId, long Lots, decimal Price, decimal Fee, Liquidity Liquidity) : ExecutionEvent(TimestampMs);

public sealed record OrderCancelled(long TimestampMs, string ClientOrderId, string Reason) : ExecutionEvent(TimestampMs);

public sealed record OrderRejected(long TimestampMs, string ClientOrderId, string Reason) : ExecutionEvent(TimestampMs);

public sealed record OrderExpired(long TimestampMs, string ClientOrderId) : ExecutionEvent(TimestampMs);

/// <summary>A funding settlement: <paramref name="Amount"/> is paid by the position (negative when it receives).</summary>
public sealed record FundingSettled(long TimestampMs, decimal FundingRate, decimal MarkPrice, decimal Amount) : ExecutionEvent(TimestampMs);

/// <summary>An emergency close began: until <see cref="EmergencyCloseCompleted"/> the symbol takes no entry and is closed to flat.</summary>
public sealed record EmergencyCloseRequested(long TimestampMs, string Reason) : ExecutionEvent(TimestampMs);

/// <summary>The exchange reported the symbol flat with nothing working: the emergency close is done.</summary>
public sealed record EmergencyCloseCompleted(long TimestampMs) : ExecutionEvent(TimestampMs);
