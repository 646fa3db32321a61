using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Exchange.Simulator;

/// <summary>One message for one topic; private pushes go only to their account's private connections.</summary>
internal sealed record Push(string Topic, string Subject, string? AccountId, bool IsLevel2, Action<Utf8JsonWriter> Data)
{
    public bool IsPrivate => AccountId is not null;

    public string Render() => KuCoinJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "message");
        w.WriteString("topic", Topic);
        w.WriteString("subject", Subject);
        if (IsPrivate)
        {
            w.WriteString("channelType", "private");
        }

        w.WritePropertyName("data");
        Data(w);
        w.WriteEndObject();
    });
}

/// <summary>KuCoin's topics (kucoin-futures-api.md 5.5 and 5.6) and which of the venue's events each carries.</summary>
internal static class Topics
{
    public static readonly IReadOnlyList<string> PublicPrefixes =
        ["/contractMarket/tickerV2", "/contractMarket/ticker", "/contractMarket/level2", "/contractMarket/execution", "/contractMarket/limitCandle", "/contract/instrument"];

    /// <summary>Private topics, with whether they take a symbol.</summary>
    public static readonly IReadOnlyDictionary<string, bool> PrivatePrefixes = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["/contractMarket/tradeOrders"] = false,
        ["/contractMarket/advancedOrders"] = false,
        ["/contract/position"] = true,
        ["/contract/positionAll"] = false,
        ["/contractAccount/wallet"] = false,
    };

    public static IReadOnlyList<Push> For(object e, Func<string, ContractSpec> contract) => e switch
    {
        BookLevelChanged b => [new Push($"/contractMarket/level2:{b.Symbol}", "level2", null, true, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("sequence", b.Sequence);
            w.WriteString("change", string.Create(CultureInfo.InvariantCulture, $"{KuCoinJson.Text(b.Price)},{(b.Side == BookSide.Bid ? "buy" : "sell")},{KuCoinJson.Text(b.Lots)}"));
            w.WriteNumber("timestamp", b.TimeMs);
            w.WriteEndObject();
        })],
        TopOfBookChanged t => [new Push($"/contractMarket/tickerV2:{t.Symbol}", "tickerV2", null, false, w =>
        {
            w.WriteStartObject();
            w.WriteString("symbol", t.Symbol);
            w.WriteNumber("sequence", t.Sequence);
            w.WriteString("bestBidPrice", KuCoinJson.Text(t.Bid.Price));
            w.WriteNumber("bestBidSize", t.Bid.Lots);
            w.WriteString("bestAskPrice", KuCoinJson.Text(t.Ask.Price));
            w.WriteNumber("bestAskSize", t.Ask.Lots);
            w.WriteNumber("ts", KuCoinJson.Nanoseconds(t.TimeMs));
            w.WriteEndObject();
        })],
        TradePrinted t =>
        [
            new Push($"/contractMarket/execution:{t.Symbol}", "match", null, false, w => KuCoinJson.Trade(w, t)),
            new Push($"/contractMarket/ticker:{t.Symbol}", "ticker", null, false, w =>
            {
                w.WriteStartObject();
                w.WriteString("symbol", t.Symbol);
                w.WriteNumber("sequence", t.Sequence);
                w.WriteString("side", KuCoinJson.Side(t.TakerSide));
                w.WriteString("price", KuCoinJson.Text(t.Price));
                w.WriteNumber("size", t.Lots);
                w.WriteString("tradeId", t.TradeId);
                w.WriteNumber("bestBidSize", t.Bid.Lots);
                w.WriteString("bestBidPrice", KuCoinJson.Text(t.Bid.Price));
                w.WriteString("bestAskPrice", KuCoinJson.Text(t.Ask.Price));
                w.WriteNumber("bestAskSize", t.Ask.Lots);
                w.WriteNumber("ts", KuCoinJson.Nanoseconds(t.TimeMs));
                w.WriteEndObject();
            }),
        ],
        MarkPriceChanged m => [new Push($"/contract/instrument:{m.Symbol}", "mark.index.price", null, false, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("granularity", 1000);
            w.WriteNumber("indexPrice", m.IndexPrice);
            w.WriteNumber("markPrice", m.MarkPrice);
            w.WriteNumber("timestamp", m.TimeMs);
            w.WriteEndObject();
        })],
        FundingRateAnnounced f => [new Push($"/contract/instrument:{f.Symbol}", "funding.rate", null, false, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("granularity", 60_000);
            w.WriteNumber("fundingRate", f.FundingRate);
            w.WriteNumber("timestamp", f.TimeMs);
            w.WriteEndObject();
        })],
        CandleUpdated c => [new Push($"/contractMarket/limitCandle:{c.Symbol}_{c.Type}", "candle.stick", null, false, w =>
        {
            // Start in seconds and the order open, close, high, low: KuCoin's WebSocket candle, unlike its REST one.
            w.WriteStartObject();
            w.WriteString("symbol", c.Symbol);
            w.WriteStartArray("candles");
            w.WriteStringValue((c.Candle.OpenTimeMs / 1000).ToString(CultureInfo.InvariantCulture));
            w.WriteStringValue(KuCoinJson.Text(c.Candle.Open));
            w.WriteStringValue(KuCoinJson.Text(c.Candle.Close));
            w.WriteStringValue(KuCoinJson.Text(c.Candle.High));
            w.WriteStringValue(KuCoinJson.Text(c.Candle.Low));
            w.WriteStringValue(c.Candle.VolumeLots.ToString(CultureInfo.InvariantCulture));
            w.WriteStringValue(c.Candle.VolumeLots.ToString(CultureInfo.InvariantCulture));
            w.WriteEndArray();
            w.WriteNumber("time", c.TimeMs);
            w.WriteEndObject();
        })],
        OrderChanged o =>
        [
            new Push("/contractMarket/tradeOrders", "orderChange", o.Order.AccountId, false, w => OrderChange(w, o)),
            new Push($"/contractMarket/tradeOrders:{o.Symbol}", "symbolOrderChange", o.Order.AccountId, false, w => OrderChange(w, o)),
        ],
        StopOrderChanged s => [new Push("/contractMarket/advancedOrders", "stopOrder", s.Order.AccountId, false, w =>
        {
            w.WriteStartObject();
            w.WriteString("orderId", s.Order.Id);
            w.WriteString("symbol", s.Symbol);
            w.WriteString("side", KuCoinJson.Side(s.Order.Side));
            w.WriteString("orderType", "stop");
            w.WriteString("size", s.Order.Lots.ToString(CultureInfo.InvariantCulture));
            w.WriteString("orderPrice", s.Order.Price is { } p ? KuCoinJson.Text(p) : "");
            w.WriteString("stop", s.Order.Stop == StopDirection.Up ? "up" : "down");
            w.WriteString("stopPrice", KuCoinJson.Text(s.Order.StopPrice ?? 0));
            w.WriteString("stopPriceType", s.Order.StopReference switch { StopReference.Mark => "MP", StopReference.Index => "IP", _ => "TP" });
            w.WriteString("marginMode", "ISOLATED");
            w.WriteString("type", s.Kind switch { StopOrderChangeKind.Open => "open", StopOrderChangeKind.Triggered => "triggered", _ => "cancel" });
            w.WriteNumber("createdAt", s.Order.CreatedAtMs);
            w.WriteNumber("ts", KuCoinJson.Nanoseconds(s.TimeMs));
            w.WriteEndObject();
        })],
        PositionChanged p =>
        [
            new Push($"/contract/position:{p.Symbol}", "position.change", p.Position.AccountId, false, w => PositionChange(w, p, contract(p.Symbol))),
            new Push("/contract/positionAll", "position.change", p.Position.AccountId, false, w => PositionChange(w, p, contract(p.Symbol))),
        ],
        FundingCharged f => [new Push($"/contract/position:{f.Symbol}", "position.settlement", f.AccountId, false, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("fundingTime", f.TimeMs);
            w.WriteNumber("qty", f.Lots);
            w.WriteNumber("markPrice", f.MarkPrice);
            w.WriteNumber("fundingRate", f.FundingRate);
            w.WriteNumber("fundingFee", -f.Fee);
            w.WriteNumber("ts", KuCoinJson.Nanoseconds(f.TimeMs));
            w.WriteString("settleCurrency", "USDT");
            w.WriteEndObject();
        })],
        WalletChanged b => [new Push("/contractAccount/wallet", "walletBalance.change", b.Balance.AccountId, false, w =>
        {
            var x = b.Balance;
            w.WriteStartObject();
            w.WriteString("currency", "USDT");
            w.WriteString("walletBalance", KuCoinJson.Text(x.WalletBalance));
            w.WriteString("availableBalance", KuCoinJson.Text(x.AvailableBalance));
            w.WriteString("holdBalance", KuCoinJson.Text(x.OrderMargin));
            w.WriteString("equity", KuCoinJson.Text(x.AccountEquity));
            w.WriteString("isolatedOrderMargin", KuCoinJson.Text(x.OrderMargin));
            w.WriteString("isolatedPosMargin", KuCoinJson.Text(x.PositionMargin));
            w.WriteString("isolatedUnPnl", KuCoinJson.Text(x.UnrealisedPnl));
            w.WriteString("isolatedFundingFeeMargin", "0");
            w.WriteString("crossOrderMargin", "0");
            w.WriteString("crossPosMargin", "0");
            w.WriteString("crossUnPnl", "0");
            w.WriteString("totalCrossMargin", "0");
            w.WriteString("version", b.TimeMs.ToString(CultureInfo.InvariantCulture));
            w.WriteString("timestamp", b.TimeMs.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        })],
        _ => [],
    };

    private static void PositionChange(Utf8JsonWriter w, PositionChanged p, ContractSpec contract)
    {
        var reason = p.Reason switch
        {
            PositionChangeReason.Liquidation => "liquidation",
            PositionChangeReason.FundingSettlement => "marginChange",
            _ => "positionChange",
        };
        KuCoinJson.Position(w, p.Position, contract, p.MarkPrice, p.TimeMs, reason);
    }

    private static void OrderChange(Utf8JsonWriter w, OrderChanged e)
    {
        var o = e.Order;
        var canceled = o.CancelExist ? o.RemainingLots : 0;
        var status = !o.IsActive ? "done" : e.Kind == OrderChangeKind.Match && e.Fill?.Liquidity == Liquidity.Taker ? "match" : "open";
        w.WriteStartObject();
        w.WriteString("orderId", o.Id);
        w.WriteString("clientOid", o.ClientOid);
        w.WriteString("symbol", o.Symbol);
        w.WriteString("side", KuCoinJson.Side(o.Side));
        w.WriteString("orderType", o.Type == ExchangeOrderType.Limit ? "limit" : "market");
        w.WriteString("marginMode", "ISOLATED");
        w.WriteString("type", e.Kind switch
        {
            OrderChangeKind.Open => "open",
            OrderChangeKind.Match => "match",
            OrderChangeKind.Filled => "filled",
            OrderChangeKind.Canceled => "canceled",
            _ => "update",
        });
        w.WriteString("status", status);
        w.WriteString("price", o.Price is { } p ? KuCoinJson.Text(p) : "0");
        w.WriteString("size", o.Lots.ToString(CultureInfo.InvariantCulture));
        w.WriteString("filledSize", o.FilledLots.ToString(CultureInfo.InvariantCulture));
        w.WriteString("remainSize", (o.IsActive ? o.RemainingLots : 0).ToString(CultureInfo.InvariantCulture));
        w.WriteString("canceledSize", canceled.ToString(CultureInfo.InvariantCulture));
        w.WriteString("oldSize", o.Lots.ToString(CultureInfo.InvariantCulture));
        if (e.Fill is { } fill)
        {
            w.WriteString("matchPrice", KuCoinJson.Text(fill.Price));
            w.WriteString("matchSize", fill.Lots.ToString(CultureInfo.InvariantCulture));
            w.WriteString("tradeId", fill.TradeId);
            w.WriteString("liquidity", fill.Liquidity == Liquidity.Maker ? "maker" : "taker");
            w.WriteString("feeType", fill.Liquidity == Liquidity.Maker ? "makerFee" : "takerFee");
            w.WriteString("tradeType", fill.Kind == FillKind.Liquidation ? "liquid" : "trade");
        }

        w.WriteNumber("orderTime", KuCoinJson.Nanoseconds(o.CreatedAtMs));
        w.WriteNumber("ts", KuCoinJson.Nanoseconds(e.TimeMs));
        w.WriteEndObject();
    }
}
