using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Market;
using static Enigma.Exchange.KuCoin.Rest.KuCoinJsonReader;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>A contract as GET /api/v1/contracts describes it, reduced to what trading needs (section 1.3).</summary>
public sealed record KuCoinContract(ContractSpec Spec, string Status, decimal MarkPrice, decimal FundingRate, long? NextFundingInMs)
{
    public bool IsOpen => Status == "Open";

    internal static KuCoinContract Parse(JsonElement c)
    {
        const string What = "contract";
        var spec = new ContractSpec
        {
            Symbol = RequiredText(c, "symbol", What),
            Multiplier = Math.Abs(RequiredDecimal(c, "multiplier", What)),
            LotSize = (int)(Decimal(c, "lotSize") ?? 1),
            TickSize = RequiredDecimal(c, "tickSize", What),
            MaxLeverage = (int)(Decimal(c, "maxLeverage") ?? 1),
            MakerFeeRate = Decimal(c, "makerFeeRate") ?? 0.0002m,
            TakerFeeRate = Decimal(c, "takerFeeRate") ?? 0.0006m,
            MaintenanceMarginRate = RequiredDecimal(c, "maintainMargin", What),
            FundingIntervalMs = Long(c, "fundingRateGranularity") ?? 28_800_000,
            MaxOrderLots = (int)Math.Min(int.MaxValue, Decimal(c, "maxOrderQty") ?? 1_000_000),
        };
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new KuCoinProtocolException($"Contract {spec.Symbol} from the exchange makes no sense: {e.Message}", e);
        }

        return new KuCoinContract(spec, Text(c, "status") ?? "Open", Decimal(c, "markPrice") ?? 0, Decimal(c, "fundingFeeRate") ?? 0, Long(c, "nextFundingRateTime"));
    }
}

public sealed record KuCoinTicker(string Symbol, long Sequence, decimal LastPrice, decimal BestBid, long BestBidLots, decimal BestAsk, long BestAskLots, long TimeMs)
{
    internal static KuCoinTicker Parse(JsonElement t) => new(
        RequiredText(t, "symbol", "ticker"), Long(t, "sequence") ?? 0, Decimal(t, "price") ?? 0,
        RequiredDecimal(t, "bestBidPrice", "ticker"), Long(t, "bestBidSize") ?? 0, RequiredDecimal(t, "bestAskPrice", "ticker"), Long(t, "bestAskSize") ?? 0,
        Millis(t, "ts") ?? 0);
}

public sealed record KuCoinBookSnapshot(string Symbol, long Sequence, BookLevel[] Bids, BookLevel[] Asks, long TimeMs)
{
    internal static KuCoinBookSnapshot Parse(JsonElement b)
    {
        static BookLevel[] Levels(JsonElement b, string name) =>
            b.TryGetProperty(name, out var levels) && levels.ValueKind == JsonValueKind.Array
                ? levels.EnumerateArray().Select(l => new BookLevel(Number(l[0], name + " price"), Number(l[1], name + " size"))).ToArray()
                : throw new KuCoinProtocolException($"Order book snapshot: '{name}' is missing.");
        return new(RequiredText(b, "symbol", "order book"), Long(b, "sequence") ?? throw new KuCoinProtocolException("Order book snapshot: 'sequence' is missing."),
            Levels(b, "bids"), Levels(b, "asks"), Millis(b, "ts") ?? 0);
    }
}

public sealed record KuCoinTrade(string TradeId, long Sequence, string Side, decimal Price, long Lots, long TimeMs)
{
    internal static KuCoinTrade Parse(JsonElement t) => new(
        RequiredText(t, "tradeId", "trade"), Long(t, "sequence") ?? 0, RequiredText(t, "side", "trade"), RequiredDecimal(t, "price", "trade"), Long(t, "size") ?? 0, Millis(t, "ts") ?? 0);
}

/// <summary>One REST kline row: [openTimeMs, open, high, low, close, volume, (turnover)] (section 3.3). Volume in lots.</summary>
public sealed record KuCoinKline(long OpenTimeMs, decimal Open, decimal High, decimal Low, decimal Close, decimal VolumeLots, decimal? Turnover)
{
    internal static KuCoinKline Parse(JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 6)
        {
            throw new KuCoinProtocolException($"Kline row must be an array of 6 or 7 numbers, got {row.GetRawText()}.");
        }

        return new((long)Number(row[0], "kline time"), Number(row[1], "open"), Number(row[2], "high"), Number(row[3], "low"), Number(row[4], "close"),
            Number(row[5], "volume"), row.GetArrayLength() > 6 ? Number(row[6], "turnover") : null);
    }

    /// <summary>As a domain candle with volume in base currency (lots × multiplier), the unit the candle files use.</summary>
    public Candle ToCandle(ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return new(OpenTimeMs, Open, High, Low, Close, contract.ToBaseUnits(VolumeLots));
    }
}

public sealed record KuCoinFundingRate(string Symbol, decimal Rate, decimal? PredictedRate, long GranularityMs, long FundingTimeMs)
{
    internal static KuCoinFundingRate Parse(JsonElement f) => new(
        RequiredText(f, "symbol", "funding rate"), RequiredDecimal(f, "value", "funding rate"), Decimal(f, "predictedValue"), Long(f, "granularity") ?? 28_800_000, Millis(f, "fundingTime") ?? 0);
}

/// <summary>An order as KuCoin reports it (section 4.5), with its derived state.</summary>
public sealed record KuCoinOrder(
    string Id, string ClientOid, string Symbol, string Side, string Type, decimal Price, long Lots, long FilledLots, decimal FilledValue,
    decimal AverageFillPrice, bool ReduceOnly, bool IsActive, bool CancelExist, string Status, string Stop, decimal? StopPrice, bool StopTriggered,
    long CreatedAtMs, long? EndAtMs)
{
    public long RemainingLots => IsActive ? Lots - FilledLots : 0;

    public bool IsFullyFilled => Status == "done" && !CancelExist && FilledLots == Lots;

    internal static KuCoinOrder Parse(JsonElement o)
    {
        const string What = "order";
        return new(
            RequiredText(o, "id", What), Text(o, "clientOid") ?? "", RequiredText(o, "symbol", What), RequiredText(o, "side", What), Text(o, "type") ?? "limit",
            Decimal(o, "price") ?? 0, Long(o, "size") ?? 0, Long(o, "filledSize") ?? Long(o, "dealSize") ?? 0, Decimal(o, "filledValue") ?? Decimal(o, "dealValue") ?? 0,
            Decimal(o, "avgDealPrice") ?? 0, Bool(o, "reduceOnly"), Bool(o, "isActive"), Bool(o, "cancelExist"), Text(o, "status") ?? "open",
            Text(o, "stop") ?? "", Decimal(o, "stopPrice"), Bool(o, "stopTriggered"), Millis(o, "createdAt") ?? 0, Millis(o, "endAt"));
    }
}

public sealed record KuCoinFill(
    string TradeId, string OrderId, string Symbol, string Side, string Liquidity, decimal Price, long Lots, decimal Value, decimal FeeRate, decimal Fee, string TradeType, long TimeMs)
{
    internal static KuCoinFill Parse(JsonElement f)
    {
        const string What = "fill";
        return new(
            RequiredText(f, "tradeId", What), RequiredText(f, "orderId", What), RequiredText(f, "symbol", What), RequiredText(f, "side", What), Text(f, "liquidity") ?? "taker",
            RequiredDecimal(f, "price", What), Long(f, "size") ?? 0, Decimal(f, "value") ?? 0, Decimal(f, "feeRate") ?? 0, Decimal(f, "fee") ?? 0, Text(f, "tradeType") ?? "trade",
            Millis(f, "tradeTime") ?? Millis(f, "createdAt") ?? 0);
    }
}

/// <summary>
/// One of the account's own funding settlements (GET /api/v1/funding-history): <see cref="Funding"/> is positive when
/// the position received it, as KuCoin writes it.
/// </summary>
public sealed record KuCoinFunding(string Id, string Symbol, long TimeMs, decimal FundingRate, decimal MarkPrice, long PositionLots, decimal Funding)
{
    internal static KuCoinFunding Parse(JsonElement f)
    {
        const string What = "funding payment";
        return new(
            Text(f, "id") ?? (Long(f, "id") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), RequiredText(f, "symbol", What), Millis(f, "timePoint") ?? throw new KuCoinProtocolException("A funding payment has no timePoint."),
            Decimal(f, "fundingRate") ?? 0, Decimal(f, "markPrice") ?? 0, Long(f, "positionQty") ?? 0, RequiredDecimal(f, "funding", What));
    }
}

/// <summary>A position in one-way mode (section 4.7): <see cref="Lots"/> signed, long &gt; 0.</summary>
public sealed record KuCoinPosition(
    string Symbol, long Lots, decimal AverageEntry, decimal MarkPrice, decimal UnrealisedPnl, decimal RealisedPnl, decimal Margin, decimal LiquidationPrice, decimal Leverage, string MarginMode)
{
    public bool IsOpen => Lots != 0;

    internal static KuCoinPosition Parse(JsonElement p)
    {
        const string What = "position";
        return new(
            RequiredText(p, "symbol", What), Long(p, "currentQty") ?? 0, Decimal(p, "avgEntryPrice") ?? 0, Decimal(p, "markPrice") ?? 0, Decimal(p, "unrealisedPnl") ?? 0,
            Decimal(p, "realisedPnl") ?? 0, Decimal(p, "posMargin") ?? 0, Decimal(p, "liquidationPrice") ?? 0, Decimal(p, "leverage") ?? Decimal(p, "realLeverage") ?? 0,
            Text(p, "marginMode") ?? "ISOLATED");
    }
}

public sealed record KuCoinAccountOverview(string Currency, decimal AccountEquity, decimal MarginBalance, decimal AvailableBalance, decimal PositionMargin, decimal OrderMargin, decimal UnrealisedPnl)
{
    internal static KuCoinAccountOverview Parse(JsonElement a) => new(
        Text(a, "currency") ?? "USDT", Decimal(a, "accountEquity") ?? 0, Decimal(a, "marginBalance") ?? 0, Decimal(a, "availableBalance") ?? 0,
        Decimal(a, "positionMargin") ?? 0, Decimal(a, "orderMargin") ?? 0, Decimal(a, "unrealisedPNL") ?? 0);
}

/// <summary>GET /api/v1/user/api-key (section 4.11): the key's permissions, comma-separated.</summary>
public sealed record KuCoinApiKeyInfo(string ApiKey, IReadOnlyList<string> Permissions, string IpWhitelist)
{
    internal static KuCoinApiKeyInfo Parse(JsonElement k) => new(
        Text(k, "apiKey") ?? "",
        (Text(k, "permission") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Text(k, "ipWhitelist") ?? "");
}

/// <summary>A WebSocket connection token and where to connect (section 5.1).</summary>
public sealed record KuCoinBullet(string Token, Uri Endpoint, TimeSpan PingInterval, TimeSpan PingTimeout)
{
    internal static KuCoinBullet Parse(JsonElement b)
    {
        var token = RequiredText(b, "token", "bullet");
        if (!b.TryGetProperty("instanceServers", out var servers) || servers.ValueKind != JsonValueKind.Array || servers.GetArrayLength() == 0)
        {
            throw new KuCoinProtocolException("Bullet: no instanceServers to connect to.");
        }

        var server = servers[0];
        var endpoint = RequiredText(server, "endpoint", "bullet");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new KuCoinProtocolException($"Bullet: endpoint '{endpoint}' is not a ws:// or wss:// address.");
        }

        return new(token, uri, TimeSpan.FromMilliseconds((double)(Decimal(server, "pingInterval") ?? 18_000)), TimeSpan.FromMilliseconds((double)(Decimal(server, "pingTimeout") ?? 10_000)));
    }
}

/// <summary>Page-style list replies (section 2.3).</summary>
internal static class KuCoinPage
{
    public static IReadOnlyList<T> Items<T>(JsonElement data, Func<JsonElement, T> parse) =>
        data.ValueKind == JsonValueKind.Array ? data.EnumerateArray().Select(parse).ToArray()
        : data.ValueKind == JsonValueKind.Object && data.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().Select(parse).ToArray()
        : data.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? []
        : throw new KuCoinProtocolException(string.Create(CultureInfo.InvariantCulture, $"Expected a list or a page of items, got {data.ValueKind}."));
}
