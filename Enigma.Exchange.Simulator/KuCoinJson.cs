using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// KuCoin's JSON shapes (kucoin-futures-api.md sections 1.3 to 5.6), written with the types KuCoin uses for each field:
/// prices sometimes strings and sometimes numbers, times in ms, ns or seconds as each field has them.
/// </summary>
internal static class KuCoinJson
{
    public static long Nanoseconds(long ms) => ms * 1_000_000;

    /// <summary>A decimal without trailing zeros, as KuCoin prints prices in strings.</summary>
    public static string Text(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    public static string Side(OrderSide side) => side == OrderSide.Buy ? "buy" : "sell";

    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Contract(Utf8JsonWriter w, ContractSpec c, MarketSnapshot? m, long nowMs)
    {
        var mark = m?.MarkPrice ?? 0;
        w.WriteStartObject();
        w.WriteString("symbol", c.Symbol);
        w.WriteString("rootSymbol", "USDT");
        w.WriteString("type", "FFWCSX");
        w.WriteNumber("firstOpenDate", 1_585_555_200_000);
        w.WriteNull("expireDate");
        w.WriteNull("settleDate");
        w.WriteString("baseCurrency", c.Symbol[..^5]);
        w.WriteString("quoteCurrency", "USDT");
        w.WriteString("settleCurrency", "USDT");
        w.WriteNumber("maxOrderQty", c.MaxOrderLots);
        w.WriteNumber("maxPrice", 10_000_000m);
        w.WriteNumber("lotSize", c.LotSize);
        w.WriteNumber("tickSize", c.TickSize);
        w.WriteNumber("indexPriceTickSize", c.TickSize);
        w.WriteNumber("multiplier", c.Multiplier);
        w.WriteNumber("initialMargin", 1m / c.MaxLeverage);
        w.WriteNumber("maintainMargin", c.MaintenanceMarginRate);
        w.WriteNumber("maxRiskLimit", 100_000);
        w.WriteNumber("minRiskLimit", 100_000);
        w.WriteNumber("riskStep", 50_000);
        w.WriteNumber("makerFeeRate", c.MakerFeeRate);
        w.WriteNumber("takerFeeRate", c.TakerFeeRate);
        w.WriteNumber("takerFixFee", 0);
        w.WriteNumber("makerFixFee", 0);
        w.WriteNull("settlementFee");
        w.WriteBoolean("isDeleverage", true);
        w.WriteBoolean("isQuanto", false);
        w.WriteBoolean("isInverse", false);
        w.WriteString("markMethod", "FairPrice");
        w.WriteString("fairMethod", "FundingRate");
        w.WriteString("fundingBaseSymbol", $".{c.Symbol[..^5]}INT8H");
        w.WriteString("fundingQuoteSymbol", ".USDTINT8H");
        w.WriteString("fundingRateSymbol", $".{c.Symbol}FPI8H");
        w.WriteString("indexSymbol", $".K{c.Symbol[..^1]}");
        w.WriteString("settlementSymbol", "");
        w.WriteString("status", "Open");
        w.WriteNumber("fundingFeeRate", m?.FundingRate ?? 0.0001m);
        w.WriteNumber("predictedFundingFeeRate", m?.FundingRate ?? 0.0001m);
        w.WriteNumber("fundingRateGranularity", c.FundingIntervalMs);
        w.WriteNumber("nextFundingRateTime", Math.Max(0, (m?.NextFundingMs ?? nowMs) - nowMs));
        w.WriteString("openInterest", "0");
        w.WriteNumber("turnoverOf24h", 0);
        w.WriteNumber("volumeOf24h", 0);
        w.WriteNumber("markPrice", mark);
        w.WriteNumber("indexPrice", mark);
        w.WriteNumber("lastTradePrice", m?.LastPrice ?? 0);
        w.WriteNumber("nextFundingRateDateTime", m?.NextFundingMs ?? nowMs);
        w.WriteNumber("maxLeverage", c.MaxLeverage);
        w.WriteStartArray("sourceExchanges");
        w.WriteStringValue("replay");
        w.WriteEndArray();
        w.WriteNumber("lowPrice", mark);
        w.WriteNumber("highPrice", mark);
        w.WriteNumber("priceChgPct", 0);
        w.WriteNumber("priceChg", 0);
        w.WriteBoolean("supportCross", false);
        w.WriteNumber("buyLimit", mark == 0 ? 10_000_000m : c.FloorToTick(mark * 1.05m));
        w.WriteNumber("sellLimit", mark == 0 ? c.TickSize : c.CeilingToTick(mark * 0.95m));
        w.WriteEndObject();
    }

    public static void Ticker(Utf8JsonWriter w, MarketSnapshot m)
    {
        var last = m.RecentTrades.Length > 0 ? m.RecentTrades[^1] : null;
        w.WriteStartObject();
        w.WriteNumber("sequence", m.Sequence);
        w.WriteString("symbol", m.Contract.Symbol);
        w.WriteString("side", last is null ? "buy" : Side(last.TakerSide));
        w.WriteNumber("size", last?.Lots ?? 0);
        w.WriteString("tradeId", last?.TradeId ?? "0");
        w.WriteString("price", Text(m.LastPrice));
        w.WriteString("bestBidPrice", Text(m.Bids.Length > 0 ? m.Bids[0].Price : 0));
        w.WriteNumber("bestBidSize", m.Bids.Length > 0 ? m.Bids[0].Lots : 0);
        w.WriteString("bestAskPrice", Text(m.Asks.Length > 0 ? m.Asks[0].Price : 0));
        w.WriteNumber("bestAskSize", m.Asks.Length > 0 ? m.Asks[0].Lots : 0);
        w.WriteNumber("ts", Nanoseconds(m.TimeMs));
        w.WriteEndObject();
    }

    public static void Book(Utf8JsonWriter w, MarketSnapshot m, int depth)
    {
        w.WriteStartObject();
        w.WriteString("symbol", m.Contract.Symbol);
        w.WriteNumber("sequence", m.Sequence);
        Levels(w, "bids", m.Bids, depth);
        Levels(w, "asks", m.Asks, depth);
        w.WriteNumber("ts", Nanoseconds(m.TimeMs));
        w.WriteEndObject();
    }

    private static void Levels(Utf8JsonWriter w, string name, BookLevel[] levels, int depth)
    {
        w.WriteStartArray(name);
        foreach (var level in levels.Take(depth))
        {
            w.WriteStartArray();
            w.WriteNumberValue(level.Price);
            w.WriteNumberValue(level.Lots);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    public static void Trade(Utf8JsonWriter w, TradePrinted t)
    {
        w.WriteStartObject();
        w.WriteNumber("sequence", t.Sequence);
        w.WriteString("symbol", t.Symbol);
        w.WriteString("tradeId", t.TradeId);
        w.WriteString("makerOrderId", t.MakerOrderId);
        w.WriteString("takerOrderId", t.TakerOrderId);
        w.WriteNumber("ts", Nanoseconds(t.TimeMs));
        w.WriteNumber("size", t.Lots);
        w.WriteString("price", Text(t.Price));
        w.WriteString("side", Side(t.TakerSide));
        w.WriteEndObject();
    }

    public static void Order(Utf8JsonWriter w, ExchangeOrder o, ContractSpec c)
    {
        var status = o.IsActive ? "open" : "done";
        w.WriteStartObject();
        w.WriteString("id", o.Id);
        w.WriteString("symbol", o.Symbol);
        w.WriteString("type", o.Type == ExchangeOrderType.Limit ? "limit" : "market");
        w.WriteString("side", Side(o.Side));
        w.WriteString("price", o.Price is { } p ? Text(p) : "0");
        w.WriteNumber("size", o.Lots);
        w.WriteString("value", Text(c.Notional(o.Lots, o.Price ?? 0)));
        w.WriteNumber("dealSize", o.FilledLots);
        w.WriteString("dealValue", Text(o.FilledValue));
        w.WriteNumber("filledSize", o.FilledLots);
        w.WriteString("filledValue", Text(o.FilledValue));
        w.WriteString("avgDealPrice", Text(o.AverageFillPrice(c)));
        w.WriteString("stop", o.Stop switch { StopDirection.Up => "up", StopDirection.Down => "down", _ => "" });
        w.WriteString("stopPriceType", o.Stop is null ? "" : o.StopReference switch { StopReference.Mark => "MP", StopReference.Index => "IP", _ => "TP" });
        w.WriteBoolean("stopTriggered", o.StopTriggered);
        if (o.StopPrice is { } sp)
        {
            w.WriteString("stopPrice", Text(sp));
        }
        else
        {
            w.WriteNull("stopPrice");
        }

        w.WriteString("timeInForce", o.TimeInForce == TimeInForce.ImmediateOrCancel ? "IOC" : "GTC");
        w.WriteBoolean("postOnly", o.PostOnly);
        w.WriteBoolean("hidden", false);
        w.WriteBoolean("iceberg", false);
        w.WriteNumber("visibleSize", 0);
        w.WriteString("stp", "");
        w.WriteString("leverage", o.Leverage.ToString(CultureInfo.InvariantCulture));
        w.WriteBoolean("forceHold", false);
        w.WriteBoolean("closeOrder", o.CloseOrder);
        w.WriteBoolean("reduceOnly", o.ReduceOnly);
        w.WriteString("clientOid", o.ClientOid);
        if (o.Remark is null)
        {
            w.WriteNull("remark");
        }
        else
        {
            w.WriteString("remark", o.Remark);
        }

        w.WriteString("tags", "");
        w.WriteBoolean("isActive", o.IsActive);
        w.WriteBoolean("cancelExist", o.CancelExist);
        w.WriteString("status", status);
        w.WriteNumber("createdAt", o.CreatedAtMs);
        w.WriteNumber("updatedAt", o.UpdatedAtMs);
        if (o.EndAtMs is { } end)
        {
            w.WriteNumber("endAt", end);
        }
        else
        {
            w.WriteNull("endAt");
        }

        w.WriteNumber("orderTime", Nanoseconds(o.CreatedAtMs));
        w.WriteString("settleCurrency", "USDT");
        w.WriteString("marginMode", "ISOLATED");
        w.WriteEndObject();
    }

    public static void Fill(Utf8JsonWriter w, ExchangeFill f)
    {
        w.WriteStartObject();
        w.WriteString("symbol", f.Symbol);
        w.WriteString("tradeId", f.TradeId);
        w.WriteString("orderId", f.OrderId);
        w.WriteString("side", Side(f.Side));
        w.WriteString("liquidity", f.Liquidity == Liquidity.Maker ? "maker" : "taker");
        w.WriteBoolean("forceTaker", false);
        w.WriteString("price", Text(f.Price));
        w.WriteNumber("size", f.Lots);
        w.WriteString("value", Text(f.Value));
        w.WriteString("feeRate", Text(f.FeeRate));
        w.WriteString("fee", Text(f.Fee));
        w.WriteString("openFeePay", Text(f.Fee));
        w.WriteString("closeFeePay", "0");
        w.WriteString("feeCurrency", "USDT");
        w.WriteString("settleCurrency", "USDT");
        w.WriteString("stop", "");
        w.WriteString("orderType", f.OrderType == ExchangeOrderType.Limit ? "limit" : "market");
        w.WriteString("displayType", f.OrderType == ExchangeOrderType.Limit ? "limit" : "market");
        w.WriteString("tradeType", f.Kind == FillKind.Liquidation ? "liquid" : "trade");
        w.WriteString("marginMode", "ISOLATED");
        w.WriteNumber("tradeTime", Nanoseconds(f.TimeMs));
        w.WriteNumber("createdAt", f.TimeMs);
        w.WriteEndObject();
    }

    public static void Position(Utf8JsonWriter w, ExchangePosition p, ContractSpec c, decimal mark, long nowMs, string? changeReason = null)
    {
        var markValue = c.Notional(p.Lots, mark);
        var cost = c.Notional(p.Lots, p.AverageEntry);
        var margin = p.Margin(c);
        var unrealised = p.UnrealisedPnl(c, mark);
        w.WriteStartObject();
        w.WriteString("id", $"{p.AccountId}-{p.Symbol}");
        w.WriteString("symbol", p.Symbol);
        w.WriteBoolean("autoDeposit", false);
        w.WriteNumber("maintMarginReq", c.MaintenanceMarginRate);
        w.WriteNumber("riskLimit", 100_000);
        w.WriteNumber("realLeverage", margin == 0 ? 0 : Math.Round(Math.Abs(markValue) / margin, 4));
        w.WriteBoolean("crossMode", false);
        w.WriteString("marginMode", "ISOLATED");
        w.WriteString("positionSide", "BOTH");
        w.WriteNumber("leverage", p.Leverage);
        w.WriteNumber("delevPercentage", 0);
        w.WriteNumber("openingTimestamp", p.OpenedAtMs);
        w.WriteNumber("currentTimestamp", nowMs);
        w.WriteNumber("currentQty", p.Lots);
        w.WriteNumber("currentCost", cost);
        w.WriteNumber("currentComm", p.FeesPaid);
        w.WriteNumber("unrealisedCost", cost);
        w.WriteNumber("realisedGrossCost", 0);
        w.WriteNumber("realisedCost", 0);
        w.WriteBoolean("isOpen", p.IsOpen);
        w.WriteNumber("markPrice", mark);
        w.WriteNumber("markValue", markValue);
        w.WriteNumber("posCost", cost);
        w.WriteNumber("posCross", 0);
        w.WriteNumber("posInit", margin);
        w.WriteNumber("posComm", 0);
        w.WriteNumber("posLoss", 0);
        w.WriteNumber("posMargin", margin);
        w.WriteNumber("posFunding", p.FundingPaid);
        w.WriteNumber("posMaint", Math.Abs(markValue) * c.MaintenanceMarginRate);
        w.WriteNumber("maintMargin", margin + unrealised);
        w.WriteNumber("realisedGrossPnl", p.RealisedGrossPnl);
        w.WriteNumber("realisedPnl", p.RealisedPnl);
        w.WriteNumber("unrealisedPnl", unrealised);
        w.WriteNumber("unrealisedPnlPcnt", cost == 0 ? 0 : Math.Round(unrealised / Math.Abs(cost), 6));
        w.WriteNumber("unrealisedRoePcnt", margin == 0 ? 0 : Math.Round(unrealised / margin, 6));
        w.WriteNumber("avgEntryPrice", p.AverageEntry);
        w.WriteNumber("liquidationPrice", p.IsOpen ? Math.Round(p.LiquidationPrice(c), 8) : 0);
        w.WriteNumber("bankruptPrice", p.IsOpen ? Math.Round(p.BankruptcyPrice, 8) : 0);
        w.WriteString("settleCurrency", "USDT");
        w.WriteBoolean("isInverse", false);
        w.WriteNumber("maintainMargin", c.MaintenanceMarginRate);
        if (changeReason is not null)
        {
            w.WriteString("changeReason", changeReason);
        }

        w.WriteEndObject();
    }

    public static void AccountOverview(Utf8JsonWriter w, AccountBalance b)
    {
        w.WriteStartObject();
        w.WriteNumber("accountEquity", b.AccountEquity);
        w.WriteNumber("unrealisedPNL", b.UnrealisedPnl);
        w.WriteNumber("marginBalance", b.WalletBalance);
        w.WriteNumber("positionMargin", b.PositionMargin);
        w.WriteNumber("orderMargin", b.OrderMargin);
        w.WriteNumber("frozenFunds", 0);
        w.WriteNumber("availableBalance", b.AvailableBalance);
        w.WriteString("currency", "USDT");
        w.WriteNumber("riskRatio", 0);
        w.WriteNumber("maxWithdrawAmount", Math.Max(0, b.AvailableBalance));
        w.WriteEndObject();
    }
}
