using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

public enum ExchangeOrderType
{
    Limit,
    Market,
}

public enum TimeInForce
{
    GoodTillCancelled,
    ImmediateOrCancel,
}

/// <summary>A stop order triggers when the reference price rises to (Up) or falls to (Down) its stop price.</summary>
public enum StopDirection
{
    Up,
    Down,
}

/// <summary>KuCoin's stopPriceType: TP = last trade, MP = mark, IP = index.</summary>
public enum StopReference
{
    LastTrade,
    Mark,
    Index,
}

/// <summary>How a fill came about: an ordinary trade or a liquidation (KuCoin's tradeType trade / liquid).</summary>
public enum FillKind
{
    Trade,
    Liquidation,
}

/// <summary>An order as a client sends it (KuCoin's POST /api/v1/orders body, already parsed and typed).</summary>
public sealed record OrderRequest
{
    public required string AccountId { get; init; }

    public required string ClientOid { get; init; }

    public required string Symbol { get; init; }

    /// <summary>May be null only for a close order, whose side the exchange derives from the position.</summary>
    public OrderSide? Side { get; init; }

    public ExchangeOrderType Type { get; init; } = ExchangeOrderType.Limit;

    /// <summary>Lots; may be 0 only for a close order.</summary>
    public long Lots { get; init; }

    public decimal? Price { get; init; }

    public int Leverage { get; init; } = 1;

    public TimeInForce TimeInForce { get; init; } = TimeInForce.GoodTillCancelled;

    public bool PostOnly { get; init; }

    public bool ReduceOnly { get; init; }

    public bool CloseOrder { get; init; }

    public StopDirection? Stop { get; init; }

    public decimal? StopPrice { get; init; }

    public StopReference StopReference { get; init; } = StopReference.LastTrade;

    public string? Remark { get; init; }
}

/// <summary>
/// An order as the exchange holds it. <see cref="IsActive"/> while it rests in the book or waits for its trigger;
/// <see cref="CancelExist"/> once any part of it was cancelled (KuCoin's derived-state fields, section 4.5).
/// </summary>
public sealed record ExchangeOrder
{
    public required string Id { get; init; }

    public required string ClientOid { get; init; }

    public required string AccountId { get; init; }

    public required string Symbol { get; init; }

    public required OrderSide Side { get; init; }

    public required ExchangeOrderType Type { get; init; }

    public decimal? Price { get; init; }

    public required long Lots { get; init; }

    public long FilledLots { get; init; }

    /// <summary>Quote value of the fills so far (lots × multiplier × price, summed).</summary>
    public decimal FilledValue { get; init; }

    public required int Leverage { get; init; }

    public TimeInForce TimeInForce { get; init; }

    public bool PostOnly { get; init; }

    public bool ReduceOnly { get; init; }

    public bool CloseOrder { get; init; }

    public StopDirection? Stop { get; init; }

    public decimal? StopPrice { get; init; }

    public StopReference StopReference { get; init; }

    public bool StopTriggered { get; init; }

    public bool IsActive { get; init; }

    public bool CancelExist { get; init; }

    /// <summary>Margin this order holds for the part of it that would open a position (released as it fills or ends).</summary>
    public decimal ReservedMargin { get; init; }

    public string? Remark { get; init; }

    public required long CreatedAtMs { get; init; }

    public long UpdatedAtMs { get; init; }

    public long? EndAtMs { get; init; }

    /// <summary>Time priority among orders at one price.</summary>
    public long Priority { get; init; }

    public long RemainingLots => Lots - FilledLots;

    public bool IsDone => !IsActive;

    public bool IsUntriggeredStop => Stop is not null && !StopTriggered;

    public decimal AverageFillPrice(ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.AveragePrice(FilledLots, FilledValue);
    }
}

/// <summary>One fill of one order (KuCoin's fill object, section 4.6).</summary>
public sealed record ExchangeFill(
    string TradeId,
    string OrderId,
    string ClientOid,
    string AccountId,
    string Symbol,
    OrderSide Side,
    Liquidity Liquidity,
    FillKind Kind,
    ExchangeOrderType OrderType,
    decimal Price,
    long Lots,
    decimal Value,
    decimal FeeRate,
    decimal Fee,
    long TimeMs);

/// <summary>
/// An isolated-margin position in one-way mode. <see cref="Lots"/> is signed. Margin is the entry notional over the
/// leverage, so it follows the position without bookkeeping of its own; realised PnL is net of fees and funding.
/// </summary>
public sealed record ExchangePosition
{
    public required string AccountId { get; init; }

    public required string Symbol { get; init; }

    public long Lots { get; init; }

    public decimal AverageEntry { get; init; }

    public int Leverage { get; init; } = 1;

    public decimal RealisedGrossPnl { get; init; }

    public decimal FeesPaid { get; init; }

    public decimal FundingPaid { get; init; }

    public long OpenedAtMs { get; init; }

    public long UpdatedAtMs { get; init; }

    public bool IsOpen => Lots != 0;

    public Side? Side => Lots > 0 ? Market.Side.Long : Lots < 0 ? Market.Side.Short : null;

    public decimal RealisedPnl => RealisedGrossPnl - FeesPaid - FundingPaid;

    public decimal Margin(ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Margin(Lots, AverageEntry, Leverage);
    }

    public decimal UnrealisedPnl(ContractSpec contract, decimal markPrice)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Pnl(Lots, AverageEntry, markPrice);
    }

    /// <summary>Where the margin is gone: entry × (1 ∓ 1/leverage).</summary>
    public decimal BankruptcyPrice => Lots == 0 ? 0 : Lots > 0 ? AverageEntry * (1 - (1m / Leverage)) : AverageEntry * (1 + (1m / Leverage));

    public decimal LiquidationPrice(ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return Lots == 0 ? 0 : Risk.RiskFormulas.LiquidationPrice(Side!.Value, AverageEntry, Leverage, contract.MaintenanceMarginRate, contract.TakerFeeRate);
    }
}

/// <summary>An account's USDT balances (KuCoin's account overview, section 4.9).</summary>
public sealed record AccountBalance(
    string AccountId,
    decimal WalletBalance,
    decimal PositionMargin,
    decimal OrderMargin,
    decimal UnrealisedPnl)
{
    public decimal AvailableBalance => WalletBalance - PositionMargin - OrderMargin;

    public decimal AccountEquity => WalletBalance + UnrealisedPnl;
}

/// <summary>A rejection in KuCoin's words: its error code (section 2.2) and a message naming what was wrong.</summary>
public sealed record ExchangeError(string Code, string Message)
{
    public static ExchangeError Parameter(string message) => new("400100", message);
}

/// <summary>Either a value or the exchange's rejection.</summary>
public readonly record struct ExchangeResult<T>(T? Value, ExchangeError? Error)
    where T : class
{
    public bool IsSuccess => Error is null;

    public static implicit operator ExchangeResult<T>(T value) => new(value, null);

    public static implicit operator ExchangeResult<T>(ExchangeError error) => new(null, error);
}

/// <summary>One step of the market: the price traded at a time, with the volume (lots) that traded there.</summary>
public readonly record struct MarketTick(long TimeMs, decimal Price, long VolumeLots);
