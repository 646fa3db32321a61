using Enigma.Domain.Exchange;
using Enigma.Domain.Market;

namespace Enigma.Domain.Backtesting;

/// <summary>When a decision taken on a candle's close is filled.</summary>
public enum FillTiming
{
    /// <summary>At the next candle's open (the default: nobody can trade at a price they only knew once it was gone).</summary>
    NextOpen,

    /// <summary>At the candle's close, the moment it is known (optimistic; for comparing with tools that do this).</summary>
    Close,
}

/// <summary>How a backtest trades: the account, the costs and the fill model. Strategies have their own parameters.</summary>
public sealed record BacktestSettings
{
    public decimal InitialBalance { get; init; } = 10_000m;

    /// <summary>A fee per side for every fill (0.0006 = 0.06%); null: the contract's own maker and taker rates.</summary>
    public decimal? FeeRate { get; init; }

    public FillTiming Fill { get; init; } = FillTiming.NextOpen;

    /// <summary>
    /// Prices per candle while anything is at stake (a position or a working order): the simulator's intra-candle path,
    /// which visits the extreme nearer the open first. More points, finer stop and target fills, slower runs.
    /// </summary>
    public int PathPoints { get; init; } = 8;

    /// <summary>
    /// Candles opened before this time only warm the strategy up (its indicators see them; nothing it decides is acted
    /// on and no equity is recorded): a walk-forward window starts trading with warm indicators. Null: trade from the
    /// first candle.
    /// </summary>
    public long? TradeFromMs { get; init; }

    /// <summary>
    /// Plays every candle at stake along its whole path, even one whose range cannot reach any stop, target,
    /// liquidation price or funding time (by default such a candle is played as its close alone: the same fills, much
    /// faster). For checking that shortcut.
    /// </summary>
    public bool PlayEveryCandle { get; init; }

    /// <summary>
    /// The staircase trailing stop, moved at each closed candle with the code the live Execution agent runs
    /// (<see cref="Risk.TrailingStops"/>); null: stops stay where the strategy placed them.
    /// </summary>
    public Risk.TrailingStopParameters? Trailing { get; init; }

    /// <summary>
    /// The venue's terms (book shape, funding rate, the seed of the book and of the paths). A backtest publishes no
    /// market data: nobody subscribes, and matching is the same without it.
    /// </summary>
    public ExchangeModelSettings Exchange { get; init; } = new() { PublishMarketData = false };

    public void Validate()
    {
        if (InitialBalance <= 0)
        {
            throw new ArgumentException($"the initial balance must be positive, got {InitialBalance}.");
        }

        if (FeeRate is < 0 or >= 0.1m)
        {
            throw new ArgumentException($"the fee per side must be in [0, 0.1) (0.0006 = 0.06%), got {FeeRate}.");
        }

        if (PathPoints < 4)
        {
            throw new ArgumentException($"at least 4 prices per candle are needed (open, both extremes, close), got {PathPoints}.");
        }
    }
}

/// <summary>What a strategy sees of its position: lots (positive long, negative short, 0 flat) and entry.</summary>
public readonly record struct StrategyPosition(long Lots, decimal AverageEntry, long OpenedAtMs)
{
    public bool IsFlat => Lots == 0;
}

/// <summary>A strategy's decision on a candle's close.</summary>
public abstract record StrategyAction(string Reason);

/// <summary>
/// Open a position: lots at a leverage, with an optional stop and take-profit placed as reduce-only stop-market orders
/// (as the live Execution agent places them). <paramref name="AgreeingIndicators"/> names the indicators that pointed
/// the same way, for the signal accuracy by indicator.
/// </summary>
public sealed record EnterAction(Side Side, long Lots, int Leverage, decimal? StopPrice, decimal? TakeProfitPrice, string Reason, IReadOnlyList<string> AgreeingIndicators) : StrategyAction(Reason);

/// <summary>Close the position at market, and cancel its stop and take-profit.</summary>
public sealed record ExitAction(string Reason) : StrategyAction(Reason);

/// <summary>
/// A strategy for the backtester: it sees each closed candle once, in order, and nothing after it, and may return an
/// action. The backtester fills it (at the next open, or this close) through the simulator's venue model.
/// </summary>
public interface IBacktestStrategy
{
    string Name { get; }

    StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity);

    /// <summary>A round trip ended (the seed's risk rules count losing streaks and the day's drawdown).</summary>
    void OnTradeClosed(BacktestTrade trade)
    {
    }
}

/// <summary>Why a position ended.</summary>
public enum ExitKind
{
    StopLoss,
    TakeProfit,
    Signal,
    Liquidation,
    EndOfData,
}

/// <summary>
/// One round trip: entry and exit (average fill prices), lots, the net PnL after fees and funding (the wallet's change
/// from before the entry to after the exit), the fees and funding in it, and the entry's slippage against the price the
/// decision referred to (the open it was to fill at, or the close), in basis points, positive when adverse.
/// </summary>
public sealed record BacktestTrade(
    string Symbol,
    Side Side,
    long Lots,
    int Leverage,
    long OpenedAtMs,
    decimal EntryPrice,
    long ClosedAtMs,
    decimal ExitPrice,
    decimal NetPnl,
    decimal Fees,
    decimal Funding,
    decimal EquityBefore,
    ExitKind Exit,
    double EntrySlippageBps,
    string EntryReason,
    IReadOnlyList<string> AgreeingIndicators);

/// <summary>The account's equity (wallet plus the open position marked at the close) after a candle.</summary>
public readonly record struct EquityPoint(long TimeMs, decimal Equity, bool InPosition);
