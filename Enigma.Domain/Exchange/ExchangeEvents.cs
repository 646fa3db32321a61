using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

/// <summary>What the exchange model reports as it changes: the simulator turns these into WebSocket pushes, the backtester reads the fills.</summary>
public abstract record ExchangeEvent(string Symbol, long TimeMs);

/// <summary>One level of the public book now holds <see cref="Lots"/> (0 = gone); sequences are consecutive per symbol.</summary>
public sealed record BookLevelChanged(string Symbol, long TimeMs, long Sequence, BookSide Side, decimal Price, decimal Lots) : ExchangeEvent(Symbol, TimeMs);

/// <summary>The best bid or ask changed (tickerV2).</summary>
public sealed record TopOfBookChanged(string Symbol, long TimeMs, long Sequence, BookLevel Bid, BookLevel Ask) : ExchangeEvent(Symbol, TimeMs);

/// <summary>A public trade (the execution topic); <see cref="TakerSide"/> is the aggressor's side; the best bid and ask as the trade printed (the legacy ticker topic carries them).</summary>
public sealed record TradePrinted(string Symbol, long TimeMs, long Sequence, string TradeId, OrderSide TakerSide, decimal Price, long Lots, string TakerOrderId, string MakerOrderId, BookLevel Bid, BookLevel Ask) : ExchangeEvent(Symbol, TimeMs);

/// <summary>The current funding rate, announced once a minute of market time (KuCoin's funding.rate subject).</summary>
public sealed record FundingRateAnnounced(string Symbol, long TimeMs, decimal FundingRate) : ExchangeEvent(Symbol, TimeMs);

public sealed record MarkPriceChanged(string Symbol, long TimeMs, decimal MarkPrice, decimal IndexPrice) : ExchangeEvent(Symbol, TimeMs);

/// <summary>KuCoin's tradeOrders event types (section 5.6).</summary>
public enum OrderChangeKind
{
    Open,
    Match,
    Filled,
    Canceled,
    Update,
}

/// <summary>An order's lifecycle step, with the fill when <see cref="Kind"/> is Match.</summary>
public sealed record OrderChanged(string Symbol, long TimeMs, OrderChangeKind Kind, ExchangeOrder Order, ExchangeFill? Fill) : ExchangeEvent(Symbol, TimeMs);

/// <summary>KuCoin's advancedOrders event types: a stop order placed, triggered or cancelled.</summary>
public enum StopOrderChangeKind
{
    Open,
    Triggered,
    Cancel,
}

public sealed record StopOrderChanged(string Symbol, long TimeMs, StopOrderChangeKind Kind, ExchangeOrder Order) : ExchangeEvent(Symbol, TimeMs);

/// <summary>KuCoin's position.change reasons that this model produces.</summary>
public enum PositionChangeReason
{
    PositionChange,
    Liquidation,
    FundingSettlement,
}

public sealed record PositionChanged(string Symbol, long TimeMs, PositionChangeReason Reason, ExchangePosition Position, decimal MarkPrice) : ExchangeEvent(Symbol, TimeMs);

/// <summary>A funding settlement of one position: <see cref="Fee"/> is what the position paid (negative = received).</summary>
public sealed record FundingCharged(string Symbol, long TimeMs, string AccountId, long Lots, decimal MarkPrice, decimal FundingRate, decimal Fee) : ExchangeEvent(Symbol, TimeMs);

/// <summary>An account's balances after a change.</summary>
public sealed record WalletChanged(string Symbol, long TimeMs, AccountBalance Balance) : ExchangeEvent(Symbol, TimeMs);
