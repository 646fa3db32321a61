namespace Enigma.Domain.Market;

/// <summary>Long buys the contract and profits when price rises; short sells it and profits when price falls.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Long and short are the trading sides, not the integer types.")]
public enum Side
{
    Long,
    Short,
}

/// <summary>
/// What KuCoin Futures publishes for one linear (USDT-settled) perpetual (kucoin-futures-api.md section 1.3), and
/// the one place where prices are rounded to the tick and sizes to the lot. Every rounding goes the way that is safe
/// for the trade: never a bigger position, a farther stop, or a worse entry than asked.
/// </summary>
public sealed record ContractSpec
{
    public required string Symbol { get; init; }

    /// <summary>Base-currency units per lot (0.001 BTC for XBTUSDTM).</summary>
    public required decimal Multiplier { get; init; }

    /// <summary>Minimum size and size step, in lots.</summary>
    public int LotSize { get; init; } = 1;

    public required decimal TickSize { get; init; }

    public required int MaxLeverage { get; init; }

    public decimal MakerFeeRate { get; init; } = 0.0002m;

    public decimal TakerFeeRate { get; init; } = 0.0006m;

    /// <summary>Maintenance margin rate of the first risk tier.</summary>
    public required decimal MaintenanceMarginRate { get; init; }

    public long FundingIntervalMs { get; init; } = 8 * 3_600_000L;

    public int MaxOrderLots { get; init; } = 1_000_000;

    /// <summary>KuCoin's XBTUSDTM as its contract endpoint describes it (section 1.3's example).</summary>
    public static ContractSpec XbtUsdtm { get; } = new()
    {
        Symbol = "XBTUSDTM", Multiplier = 0.001m, TickSize = 0.1m, MaxLeverage = 125, MaintenanceMarginRate = 0.004m,
    };

    // The contract's maths, in one place and one spelling. Lots are signed where a position's are (long > 0, short
    // < 0); prices come in time order (entry before exit or mark); leverage and rates come last. All are methods, not
    // properties: a ContractSpec is written into journal snapshots as it is.

    /// <summary>Quote-currency value of <paramref name="lots"/> at <paramref name="price"/>: lots × multiplier × price, signed like lots.</summary>
    public decimal Notional(long lots, decimal price) => lots * Multiplier * price;

    /// <summary>Isolated margin of <paramref name="lots"/> at <paramref name="price"/>: |notional| / leverage; 0 when flat.</summary>
    public decimal Margin(long lots, decimal price, decimal leverage) => lots == 0 ? 0 : Math.Abs(Notional(lots, price)) / leverage;

    /// <summary>The fee on a trade of <paramref name="lots"/> at <paramref name="price"/>: |notional| × rate (a negative maker rate is a rebate).</summary>
    public decimal Fee(long lots, decimal price, decimal rate) => Math.Abs(Notional(lots, price)) * rate;

    /// <summary>What a position of <paramref name="lots"/> pays at a funding settlement: notional at the mark × rate (a long pays a positive rate, a short receives it).</summary>
    public decimal Funding(long lots, decimal markPrice, decimal rate) => Notional(lots, markPrice) * rate;

    /// <summary>
    /// Gross PnL of <paramref name="lots"/> (signed) entered at <paramref name="entryPrice"/> and valued at
    /// <paramref name="exitPrice"/>: lots × multiplier × (exit − entry). Unrealised: the exit is the mark; realised:
    /// the lots closed, with the position's sign.
    /// </summary>
    public decimal Pnl(long lots, decimal entryPrice, decimal exitPrice) => lots * Multiplier * (exitPrice - entryPrice);

    /// <summary>Base-currency units in <paramref name="lots"/>: lots × multiplier.</summary>
    public decimal ToBaseUnits(decimal lots) => lots * Multiplier;

    /// <summary>Whole lots nearest a base-currency amount (a candle's volume), half away from zero; 0 when not positive. Not for sizing orders (those round down: <see cref="RoundLotsDown"/>).</summary>
    public long ToLots(decimal baseUnits) => baseUnits <= 0 ? 0 : (long)decimal.Round(baseUnits / Multiplier, MidpointRounding.AwayFromZero);

    /// <summary>Lots, unrounded, that <paramref name="quote"/> buys at <paramref name="price"/>: quote / (price × multiplier).</summary>
    public decimal LotsWorth(decimal quote, decimal price) => quote / (price * Multiplier);

    /// <summary>The volume-weighted price of fills worth <paramref name="notional"/> over <paramref name="lots"/>; 0 when none.</summary>
    public decimal AveragePrice(long lots, decimal notional) => lots == 0 ? 0 : notional / (lots * Multiplier);

    /// <summary>Sizes only ever round down to whole lots: a smaller position than asked, never a larger one.</summary>
    public long RoundLotsDown(decimal lots)
    {
        if (lots <= 0)
        {
            return 0;
        }

        var steps = decimal.Floor(lots / LotSize);
        return Math.Min((long)steps * LotSize, MaxOrderLots - (MaxOrderLots % LotSize));
    }

    /// <summary>An entry limit price: a long never pays more than asked (down), a short never sells for less (up).</summary>
    public decimal RoundEntryPrice(Side side, decimal price) => side == Side.Long ? FloorToTick(price) : CeilingToTick(price);

    /// <summary>A stop: never farther from entry than asked, so a long's stop rounds up and a short's down.</summary>
    public decimal RoundStopPrice(Side side, decimal price) => side == Side.Long ? CeilingToTick(price) : FloorToTick(price);

    /// <summary>A take-profit: never farther than asked (so it is no harder to reach): a long's rounds down, a short's up.</summary>
    public decimal RoundTakeProfitPrice(Side side, decimal price) => side == Side.Long ? FloorToTick(price) : CeilingToTick(price);

    public decimal FloorToTick(decimal price) => decimal.Floor(price / TickSize) * TickSize;

    public decimal CeilingToTick(decimal price) => decimal.Ceiling(price / TickSize) * TickSize;

    /// <summary>The nearest tick, ties to even: for prices the model makes (a candle's path), never for an order's.</summary>
    public decimal RoundToTick(decimal price) => decimal.Round(price / TickSize, MidpointRounding.ToEven) * TickSize;

    /// <summary>The price's tick number, ties to even: a stable key for a price level.</summary>
    public long TickIndex(decimal price) => (long)decimal.Round(price / TickSize);

    /// <summary>Whether <paramref name="price"/> is a whole number of ticks.</summary>
    public bool IsOnTick(decimal price) => price % TickSize == 0;

    /// <summary>Throws naming the first field that makes no sense.</summary>
    public void Validate()
    {
        static void Require(bool ok, string field, string problem)
        {
            if (!ok)
            {
                throw new ArgumentException($"Contract spec: {field} {problem}.");
            }
        }

        Require(!string.IsNullOrWhiteSpace(Symbol), "symbol", "is empty");
        Require(Multiplier > 0, "multiplier", "must be positive");
        Require(LotSize >= 1, "lotSize", "must be at least 1");
        Require(TickSize > 0, "tickSize", "must be positive");
        Require(MaxLeverage >= 1, "maxLeverage", "must be at least 1");
        Require(MakerFeeRate is >= -0.01m and < 0.1m, "makerFeeRate", "is out of range");
        Require(TakerFeeRate is >= 0 and < 0.1m, "takerFeeRate", "is out of range");
        Require(MaintenanceMarginRate is > 0 and < 1, "maintainMargin", "must lie in (0, 1)");
        Require(MaxOrderLots >= LotSize, "maxOrderQty", "must be at least one lot");
    }
}
