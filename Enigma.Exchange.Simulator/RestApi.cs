using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Exchange.Simulator;

/// <summary>A REST request as the handlers see it: already authenticated when its route is private.</summary>
/// <param name="Host">The Host header: the name the client reached the simulator by.</param>
internal sealed record ApiRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string Body, SimulatorAccount? Account, IReadOnlyDictionary<string, string> RouteValues, string? Host = null)
{
    public string? Q(string name) => Query.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public string AccountId => Account?.ApiKey ?? throw new InvalidOperationException("Route is not private.");
}

/// <summary>What goes back: HTTP status and KuCoin's envelope, data on success, code and message otherwise.</summary>
internal sealed record ApiReply(int Status, string Code, Action<Utf8JsonWriter>? Data, string? Message)
{
    public static ApiReply Ok(Action<Utf8JsonWriter> data) => new(200, "200000", data, null);

    /// <summary>Business errors come with HTTP 200 and the error code (kucoin-futures-api.md 2.1).</summary>
    public static ApiReply Fail(string code, string message, int status = 200) => new(status, code, null, message);

    public static ApiReply Fail(ExchangeError error) => Fail(error.Code, error.Message);

    /// <summary>A success whose data is a JSON array of <paramref name="items"/>.</summary>
    public static ApiReply List<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> write) => Ok(w =>
    {
        w.WriteStartArray();
        foreach (var item in items)
        {
            write(w, item);
        }

        w.WriteEndArray();
    });
}

internal sealed record Route(string Method, string Template, bool IsPrivate, Func<ApiRequest, ApiReply> Handle)
{
    private readonly string[] _segments = Template.Split('/', StringSplitOptions.RemoveEmptyEntries);

    public Dictionary<string, string>? Match(string method, string path)
    {
        if (!string.Equals(method, Method, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != _segments.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Length; i++)
        {
            if (_segments[i].StartsWith('{'))
            {
                values[_segments[i][1..^1]] = Uri.UnescapeDataString(parts[i]);
            }
            else if (!string.Equals(_segments[i], parts[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        return values;
    }
}

/// <summary>
/// The REST endpoints the client and third-party clients use (kucoin-futures-api.md sections 3 and 4, plus the probes
/// of section 7.5), over the venue. Exact routes come before parameterised ones.
/// </summary>
internal sealed class RestApi
{
    private static readonly int[] Granularities = [1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080];
    private const int MaxKlineRows = 200;

    private readonly SimulatorVenue _venue;
    private readonly Func<string?, string> _issueToken;
    private readonly Func<Uri> _webSocketEndpoint;

    public RestApi(SimulatorVenue venue, Func<string?, string> issueToken, Func<Uri> webSocketEndpoint)
    {
        _venue = venue;
        _issueToken = issueToken;
        _webSocketEndpoint = webSocketEndpoint;
        Routes =
        [
            new("GET", "/api/v1/timestamp", false, _ => ApiReply.Ok(w => w.WriteNumberValue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))),
            new("GET", "/api/v1/status", false, _ => ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("status", "open"); w.WriteString("msg", ""); w.WriteEndObject(); })),
            new("GET", "/api/v1/contracts/active", false, ActiveContracts),
            new("GET", "/api/v1/contracts/{symbol}", false, r => WithMarket(r.RouteValues["symbol"], (m, now) => ApiReply.Ok(w => KuCoinJson.Contract(w, m.Contract, m, now)))),
            new("GET", "/api/v1/ticker", false, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w => KuCoinJson.Ticker(w, m)))),
            new("GET", "/api/v1/allTickers", false, AllTickers),
            new("GET", "/api/v1/level2/snapshot", false, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w => KuCoinJson.Book(w, m, int.MaxValue)))),
            new("GET", "/api/v1/level2/depth20", false, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w => KuCoinJson.Book(w, m, 20)))),
            new("GET", "/api/v1/level2/depth100", false, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w => KuCoinJson.Book(w, m, 100)))),
            new("GET", "/api/v1/trade/history", false, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.List(m.RecentTrades.Reverse(), KuCoinJson.Trade))),
            new("GET", "/api/v1/kline/query", false, Klines),
            new("GET", "/api/v1/mark-price/{symbol}/current", false, r => WithMarket(r.RouteValues["symbol"], (m, now) => ApiReply.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("symbol", m.Contract.Symbol);
                w.WriteNumber("granularity", 1000);
                w.WriteNumber("timePoint", m.TimeMs);
                w.WriteNumber("value", m.MarkPrice);
                w.WriteNumber("indexPrice", m.IndexPrice);
                w.WriteEndObject();
            }))),
            new("GET", "/api/v1/funding-rate/{symbol}/current", false, r => WithMarket(r.RouteValues["symbol"], (m, now) => ApiReply.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("symbol", $".{m.Contract.Symbol}FPI8H");
                w.WriteNumber("granularity", m.Contract.FundingIntervalMs);
                w.WriteNumber("timePoint", m.NextFundingMs - m.Contract.FundingIntervalMs);
                w.WriteNumber("value", m.FundingRate);
                w.WriteNumber("predictedValue", m.FundingRate);
                w.WriteNumber("fundingRateCap", 0.003m);
                w.WriteNumber("fundingRateFloor", -0.003m);
                w.WriteNumber("period", 1);
                w.WriteNumber("fundingTime", m.NextFundingMs);
                w.WriteEndObject();
            }))),
            new("POST", "/api/v1/bullet-public", false, r => Bullet(null, r.Host)),
            new("POST", "/api/v1/bullet-private", true, r => Bullet(r.AccountId, r.Host)),

            // Probes that ccxt makes with its default options (section 7.5).
            new("GET", "/api/v3/currencies", false, _ => ApiReply.Ok(w => { w.WriteStartArray(); w.WriteEndArray(); })),
            new("GET", "/api/v3/margin/symbols", false, _ => ApiReply.Ok(w => { w.WriteStartObject(); w.WriteNumber("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); w.WriteStartArray("items"); w.WriteEndArray(); w.WriteEndObject(); })),
            new("GET", "/api/v1/isolated/symbols", false, _ => ApiReply.Ok(w => { w.WriteStartArray(); w.WriteEndArray(); })),
            new("GET", "/api/ua/v1/account/mode", true, _ => ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("selfAccountMode", "CLASSIC"); w.WriteEndObject(); })),
            new("GET", "/api/v1/hf/accounts/opened", true, _ => ApiReply.Ok(w => w.WriteBooleanValue(false))),

            new("POST", "/api/v1/orders/test", true, r => PlaceOrder(r, test: true)),
            new("POST", "/api/v1/orders", true, r => PlaceOrder(r, test: false)),
            new("DELETE", "/api/v1/orders/client-order/{clientOid}", true, CancelByClientOid),
            new("DELETE", "/api/v1/orders/{orderId}", true, CancelOrder),
            new("DELETE", "/api/v3/orders", true, r => CancelAll(r, stops: false, symbolRequired: true)),
            new("DELETE", "/api/v1/orders", true, r => CancelAll(r, stops: false, symbolRequired: false)),
            new("DELETE", "/api/v1/stopOrders", true, r => CancelAll(r, stops: true, symbolRequired: false)),
            new("GET", "/api/v1/orders/byClientOid", true, r => OneOrder(r, ex => ex.OrderByClientOid(r.AccountId, r.Q("clientOid") ?? ""))),
            new("GET", "/api/v1/orders/{orderId}", true, r => OneOrder(r, ex => ex.Order(r.AccountId, r.RouteValues["orderId"]))),
            new("GET", "/api/v1/orders", true, r => OrderList(r, stops: false)),
            new("GET", "/api/v1/stopOrders", true, r => OrderList(r, stops: true)),
            new("GET", "/api/v1/recentDoneOrders", true, RecentDoneOrders),
            new("GET", "/api/v1/fills", true, Fills),
            new("GET", "/api/v1/recentFills", true, RecentFills),
            new("GET", "/api/v1/funding-history", true, FundingHistory),
            new("GET", "/api/v1/position", true, Position),
            new("GET", "/api/v1/positions", true, Positions),
            new("GET", "/api/v1/account-overview", true, AccountOverview),
            new("GET", "/api/v1/trade-fees", true, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("symbol", m.Contract.Symbol);
                w.WriteString("takerFeeRate", KuCoinJson.Text(m.Contract.TakerFeeRate));
                w.WriteString("makerFeeRate", KuCoinJson.Text(m.Contract.MakerFeeRate));
                w.WriteEndObject();
            }))),
            new("GET", "/api/v1/user/api-key", true, ApiKeyInfo),
            new("GET", "/api/v2/position/getMarginMode", true, r => WithMarket(r.Q("symbol"), (m, _) => ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("symbol", m.Contract.Symbol); w.WriteString("marginMode", "ISOLATED"); w.WriteEndObject(); }))),
            new("GET", "/api/v2/position/getPositionMode", true, _ => ApiReply.Ok(w => { w.WriteStartObject(); w.WriteNumber("positionMode", 0); w.WriteEndObject(); })),
        ];
    }

    public IReadOnlyList<Route> Routes { get; }

    private ApiReply WithMarket(string? symbol, Func<MarketSnapshot, long, ApiReply> answer)
    {
        if (string.IsNullOrEmpty(symbol))
        {
            return ApiReply.Fail("400100", "symbol is required.");
        }

        return _venue.Run((ex, now) => ex.Market(symbol) is { } m ? answer(m, now) : ApiReply.Fail("100003", $"Contract '{symbol}' does not exist."));
    }

    private ApiReply ActiveContracts(ApiRequest r) => _venue.Run((ex, now) =>
        ApiReply.List(ex.Contracts.Select(c => ex.Market(c.Symbol)!).ToArray(), (w, m) => KuCoinJson.Contract(w, m.Contract, m, now)));

    private ApiReply AllTickers(ApiRequest r) => _venue.Run((ex, _) =>
        ApiReply.List(ex.Contracts.Select(c => ex.Market(c.Symbol)!).ToArray(), KuCoinJson.Ticker));

    private ApiReply Klines(ApiRequest r)
    {
        var symbol = r.Q("symbol");
        if (!int.TryParse(r.Q("granularity"), NumberStyles.None, CultureInfo.InvariantCulture, out var granularity) || !Granularities.Contains(granularity))
        {
            return ApiReply.Fail("400100", $"granularity '{r.Q("granularity")}' must be one of {string.Join(", ", Granularities)} (minutes).");
        }

        if (symbol is null || !_venue.Feed.Symbols.Contains(symbol))
        {
            return ApiReply.Fail("100003", $"Contract '{symbol}' does not exist.");
        }

        var source = _venue.Feed.SourceTimeframeMs(symbol) / 60_000;
        if (granularity % source != 0)
        {
            return ApiReply.Fail("400100", string.Create(CultureInfo.InvariantCulture, $"granularity {granularity} is finer than (or not a multiple of) the replayed data's {source} minutes."));
        }

        if (!TryTime(r.Q("from"), out var from) || !TryTime(r.Q("to"), out var to))
        {
            return ApiReply.Fail("400100", "from and to must be times in milliseconds.");
        }

        var rows = _venue.Run((_, now) =>
        {
            var end = to ?? now;
            var start = from ?? (end - (MaxKlineRows * granularity * 60_000L));
            var candles = _venue.Feed.Klines(symbol, granularity, start, end, int.MaxValue);

            // KuCoin's windowing: only from → the first rows from there; otherwise the rows nearest to.
            return from is not null && to is null ? candles.Take(MaxKlineRows).ToArray() : candles.TakeLast(MaxKlineRows).ToArray();
        });
        return ApiReply.Ok(w =>
        {
            w.WriteStartArray();
            foreach (var c in rows)
            {
                w.WriteStartArray();
                w.WriteNumberValue(c.OpenTimeMs);
                w.WriteNumberValue(c.Open);
                w.WriteNumberValue(c.High);
                w.WriteNumberValue(c.Low);
                w.WriteNumberValue(c.Close);
                w.WriteNumberValue(c.VolumeLots);
                w.WriteNumberValue(decimal.Round(c.Turnover, 8));
                w.WriteEndArray();
            }

            w.WriteEndArray();
        });
    }

    private static bool TryTime(string? text, out long? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            value = ms;
            return true;
        }

        return false;
    }

    private ApiReply Bullet(string? accountId, string? host)
    {
        var token = _issueToken(accountId);
        // The WebSocket is announced under the name the client used: a simulator listening on 0.0.0.0 in a container
        // is reached by its service name, not by the address it bound.
        var endpoint = string.IsNullOrEmpty(host) ? _webSocketEndpoint() : new UriBuilder(_webSocketEndpoint()) { Host = host.Split(':')[0] }.Uri;
        var options = _venue.Options;
        return ApiReply.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("token", token);
            w.WriteStartArray("instanceServers");
            w.WriteStartObject();
            w.WriteString("endpoint", endpoint.ToString());
            w.WriteBoolean("encrypt", false);
            w.WriteString("protocol", "websocket");
            w.WriteNumber("pingInterval", options.PingIntervalMs);
            w.WriteNumber("pingTimeout", options.PingTimeoutMs);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private ApiReply PlaceOrder(ApiRequest r, bool test)
    {
        var parsed = OrderBody.Parse(r.Body, r.AccountId);
        if (parsed.Error is { } error)
        {
            return ApiReply.Fail("400100", error);
        }

        var request = parsed.Request!;
        if (test)
        {
            return ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("orderId", "0"); w.WriteString("clientOid", request.ClientOid); w.WriteEndObject(); });
        }

        var result = (ExchangeResult<ExchangeOrder>)_venue.Change(new PlaceOrderInput(request));
        return result.Error is { } rejected
            ? ApiReply.Fail(rejected)
            : ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("orderId", result.Value!.Id); w.WriteString("clientOid", result.Value.ClientOid); w.WriteEndObject(); });
    }

    private ApiReply CancelOrder(ApiRequest r)
    {
        var id = r.RouteValues["orderId"];
        var result = (ExchangeResult<ExchangeOrder>)_venue.Change(new CancelOrderInput(r.AccountId, id));
        return result.Error is { } e
            ? ApiReply.Fail(e)
            : ApiReply.Ok(w => { w.WriteStartObject(); w.WriteStartArray("cancelledOrderIds"); w.WriteStringValue(id); w.WriteEndArray(); w.WriteEndObject(); });
    }

    private ApiReply CancelByClientOid(ApiRequest r)
    {
        var clientOid = r.RouteValues["clientOid"];
        var symbol = r.Q("symbol");
        if (symbol is null)
        {
            return ApiReply.Fail("400100", "symbol is required to cancel by clientOid.");
        }

        var result = (ExchangeResult<ExchangeOrder>)_venue.Change(new CancelByClientOidInput(r.AccountId, symbol, clientOid));
        return result.Error is { } e
            ? ApiReply.Fail(e)
            : ApiReply.Ok(w => { w.WriteStartObject(); w.WriteString("clientOid", clientOid); w.WriteEndObject(); });
    }

    private ApiReply CancelAll(ApiRequest r, bool stops, bool symbolRequired)
    {
        var symbol = r.Q("symbol");
        if (symbolRequired && symbol is null)
        {
            return ApiReply.Fail("400100", "symbol is required.");
        }

        var ids = (IReadOnlyList<string>)_venue.Change(new CancelAllInput(r.AccountId, symbol, stops));
        return ApiReply.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("cancelledOrderIds");
            foreach (var id in ids)
            {
                w.WriteStringValue(id);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private ApiReply OneOrder(ApiRequest r, Func<SimulatedExchange, ExchangeOrder?> find)
    {
        var found = _venue.Run((ex, _) => find(ex) is { } o ? (o, ex.Contract(o.Symbol)!) : default);
        return found.o is null
            ? ApiReply.Fail("100001", "The order does not exist.")
            : ApiReply.Ok(w => KuCoinJson.Order(w, found.o, found.Item2));
    }

    private ApiReply OrderList(ApiRequest r, bool stops)
    {
        var status = r.Q("status") ?? (stops ? "active" : "done");
        if (status is not ("active" or "done"))
        {
            return ApiReply.Fail("400100", $"status '{status}' must be active or done.");
        }

        if (!Page(r, out var page, out var size, out var pageError))
        {
            return ApiReply.Fail("400100", pageError);
        }

        var symbol = r.Q("symbol");
        var side = r.Q("side");
        var orders = _venue.Run((ex, _) => ex.Orders(r.AccountId)
            .Where(o => o.IsUntriggeredStop == stops && (status == "active") == o.IsActive && (symbol is null || o.Symbol == symbol) && (side is null || KuCoinJson.Side(o.Side) == side))
            .Reverse()
            .Select(o => (o, ex.Contract(o.Symbol)!))
            .ToArray());
        return Paged(page, size, orders, (w, x) => KuCoinJson.Order(w, x.o, x.Item2));
    }

    private ApiReply RecentDoneOrders(ApiRequest r)
    {
        var symbol = r.Q("symbol");
        var orders = _venue.Run((ex, now) => ex.Orders(r.AccountId)
            .Where(o => !o.IsActive && (symbol is null || o.Symbol == symbol) && o.EndAtMs >= now - 86_400_000)
            .Reverse().Take(1000).Select(o => (o, ex.Contract(o.Symbol)!)).ToArray());
        return ApiReply.List(orders, (w, x) => KuCoinJson.Order(w, x.o, x.Item2));
    }

    private ApiReply Fills(ApiRequest r)
    {
        if (!Page(r, out var page, out var size, out var pageError))
        {
            return ApiReply.Fail("400100", pageError);
        }

        var orderId = r.Q("orderId");
        var symbol = r.Q("symbol");
        _ = TryTime(r.Q("startAt"), out var startAt);
        _ = TryTime(r.Q("endAt"), out var endAt);
        var fills = _venue.Run((ex, _) => ex.Fills(r.AccountId)
            .Where(f => orderId is not null ? f.OrderId == orderId : (symbol is null || f.Symbol == symbol) && (startAt is null || f.TimeMs >= startAt) && (endAt is null || f.TimeMs <= endAt))
            .Reverse().ToArray());
        return Paged(page, size, fills, KuCoinJson.Fill);
    }

    /// <summary>
    /// The account's own funding payments (kucoin-futures-api.md 3.8), cursor style: <c>startAt</c>/<c>endAt</c> in ms,
    /// <c>forward=true</c> oldest first (else newest first), at most <c>maxCount</c> (default 10, at most 100) with
    /// <c>hasMore</c>. <c>funding</c> is positive when the position received it.
    /// </summary>
    private ApiReply FundingHistory(ApiRequest r)
    {
        var symbol = r.Q("symbol");
        if (string.IsNullOrEmpty(symbol))
        {
            return ApiReply.Fail("400100", "symbol is required.");
        }

        if (!TryTime(r.Q("startAt"), out var startAt) || !TryTime(r.Q("endAt"), out var endAt))
        {
            return ApiReply.Fail("400100", "startAt and endAt must be times in milliseconds.");
        }

        var maxCount = 10;
        if (r.Q("maxCount") is { } max && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxCount) || maxCount is < 1 or > 100))
        {
            return ApiReply.Fail("400100", $"maxCount '{max}' must be 1 to 100.");
        }

        var forward = string.Equals(r.Q("forward"), "true", StringComparison.OrdinalIgnoreCase);
        var matching = _venue.Run((ex, _) => ex.Fundings(r.AccountId).Where(f => f.Symbol == symbol && (startAt is null || f.TimeMs >= startAt) && (endAt is null || f.TimeMs <= endAt)).ToArray());
        var ordered = forward ? matching : matching.Reverse().ToArray();
        var page = ordered.Take(maxCount).ToArray();
        return ApiReply.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("dataList");
            foreach (var f in page)
            {
                w.WriteStartObject();
                w.WriteNumber("id", f.TimeMs);
                w.WriteString("symbol", f.Symbol);
                w.WriteNumber("timePoint", f.TimeMs);
                w.WriteNumber("fundingRate", f.FundingRate);
                w.WriteNumber("markPrice", f.MarkPrice);
                w.WriteNumber("positionQty", f.Lots);
                w.WriteNumber("positionCost", f.MarkPrice * f.Lots);
                w.WriteNumber("funding", -f.Fee);
                w.WriteString("settleCurrency", "USDT");
                w.WriteString("context", "{}");
                w.WriteString("marginMode", "ISOLATED");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("hasMore", ordered.Length > page.Length);
            w.WriteEndObject();
        });
    }

    private ApiReply RecentFills(ApiRequest r)
    {
        var symbol = r.Q("symbol");
        var fills = _venue.Run((ex, now) => ex.Fills(r.AccountId).Where(f => (symbol is null || f.Symbol == symbol) && f.TimeMs >= now - 86_400_000).Reverse().Take(1000).ToArray());
        return ApiReply.List(fills, KuCoinJson.Fill);
    }

    private ApiReply Position(ApiRequest r)
    {
        var symbol = r.Q("symbol");
        if (symbol is null)
        {
            return ApiReply.Fail("400100", "symbol is required.");
        }

        // A flat position reads as a zero-size object with isOpen false (kucoin-futures-api.md 4.7 allows either).
        var found = _venue.Run((ex, now) => ex.Market(symbol) is { } m
            ? (ex.Position(r.AccountId, symbol) ?? new ExchangePosition { AccountId = r.AccountId, Symbol = symbol }, m, now)
            : default);
        return found.m is null
            ? ApiReply.Fail("100003", $"Contract '{symbol}' does not exist.")
            : ApiReply.Ok(w => KuCoinJson.Position(w, found.Item1, found.m.Contract, found.m.MarkPrice, found.now));
    }

    private ApiReply Positions(ApiRequest r)
    {
        var currency = r.Q("currency");
        var positions = _venue.Run((ex, now) => currency is null or "USDT"
            ? ex.Positions(r.AccountId).Select(p => (p, ex.Contract(p.Symbol)!, ex.Market(p.Symbol)!.MarkPrice, now)).ToArray()
            : []);
        return ApiReply.List(positions, (w, x) => KuCoinJson.Position(w, x.p, x.Item2, x.MarkPrice, x.now));
    }

    private ApiReply AccountOverview(ApiRequest r)
    {
        var currency = r.Q("currency") ?? "XBT";
        var balance = _venue.Run((ex, _) => ex.Balance(r.AccountId)!);
        if (currency != "USDT")
        {
            // Paper accounts hold USDT only; other currencies read as empty, as an unfunded KuCoin wallet does.
            balance = new AccountBalance(r.AccountId, 0, 0, 0, 0);
        }

        return ApiReply.Ok(w => KuCoinJson.AccountOverview(w, balance with { }));
    }

    private ApiReply ApiKeyInfo(ApiRequest r)
    {
        var account = r.Account!;
        return ApiReply.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("remark", "enigma simulator paper account");
            w.WriteString("apiKey", account.ApiKey);
            w.WriteNumber("apiVersion", 2);
            w.WriteString("permission", account.Permissions);
            w.WriteString("ipWhitelist", "");
            w.WriteNumber("createdAt", 1_700_000_000_000);
            w.WriteNumber("uid", 1);
            w.WriteBoolean("isMaster", true);
            w.WriteEndObject();
        });
    }

    private static bool Page(ApiRequest r, out int page, out int size, out string error)
    {
        page = 1;
        size = 50;
        error = "";
        if (r.Q("currentPage") is { } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            error = $"currentPage '{p}' must be a positive integer.";
            return false;
        }

        if (r.Q("pageSize") is { } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 1000))
        {
            error = $"pageSize '{s}' must lie in [1, 1000].";
            return false;
        }

        return true;
    }

    private static ApiReply Paged<T>(int page, int size, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> write) => ApiReply.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("currentPage", page);
        w.WriteNumber("pageSize", size);
        w.WriteNumber("totalNum", items.Count);
        w.WriteNumber("totalPage", (items.Count + size - 1) / size);
        w.WriteStartArray("items");
        foreach (var item in items.Skip((page - 1) * size).Take(size))
        {
            write(w, item);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}

/// <summary>
/// Reads a POST /api/v1/orders body the way KuCoin accepts it from every client: numbers or numeric strings for size,
/// leverage, price and stopPrice, booleans as clients send them, timeInForce tolerated on market orders (section 4.2).
/// </summary>
internal static class OrderBody
{
    public static (OrderRequest? Request, string? Error) Parse(string body, string accountId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "null" : body);
        }
        catch (JsonException e)
        {
            return (null, $"The order body is not JSON: {e.Message}");
        }

        using (document)
        {
            var o = document.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                return (null, "The order body must be a JSON object.");
            }

            try
            {
                var type = Text(o, "type") ?? "limit";
                var side = Text(o, "side");
                var stop = Text(o, "stop");
                var request = new OrderRequest
                {
                    AccountId = accountId,
                    ClientOid = Text(o, "clientOid") ?? throw new FormatException("clientOid is required."),
                    Symbol = Text(o, "symbol") ?? throw new FormatException("symbol is required."),
                    Side = side switch { null => null, "buy" => OrderSide.Buy, "sell" => OrderSide.Sell, _ => throw new FormatException($"side '{side}' must be buy or sell.") },
                    Type = type switch { "limit" => ExchangeOrderType.Limit, "market" => ExchangeOrderType.Market, _ => throw new FormatException($"type '{type}' must be limit or market.") },
                    Lots = Size(o),
                    Price = type == "limit" ? Number(o, "price") : null,
                    Leverage = (int)(Number(o, "leverage") ?? 1),
                    TimeInForce = type == "limit" && Text(o, "timeInForce") == "IOC" ? TimeInForce.ImmediateOrCancel : TimeInForce.GoodTillCancelled,
                    PostOnly = Flag(o, "postOnly"),
                    ReduceOnly = Flag(o, "reduceOnly"),
                    CloseOrder = Flag(o, "closeOrder"),
                    Stop = stop switch { null or "" => null, "up" => StopDirection.Up, "down" => StopDirection.Down, _ => throw new FormatException($"stop '{stop}' must be up or down.") },
                    StopPrice = Number(o, "stopPrice"),
                    StopReference = Text(o, "stopPriceType") switch { "MP" => StopReference.Mark, "IP" => StopReference.Index, null or "" or "TP" => StopReference.LastTrade, var other => throw new FormatException($"stopPriceType '{other}' must be TP, MP or IP.") },
                    Remark = Text(o, "remark"),
                };
                var tif = Text(o, "timeInForce");
                if (tif is not (null or "GTC" or "IOC"))
                {
                    throw new FormatException($"timeInForce '{tif}' must be GTC or IOC.");
                }

                if (Text(o, "marginMode") is { } mode && mode != "ISOLATED")
                {
                    return (null, $"marginMode '{mode}': the simulator trades isolated margin only.");
                }

                return (request, null);
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
        }
    }

    private static long Size(JsonElement o)
    {
        if (Number(o, "size") is { } size)
        {
            return size == decimal.Truncate(size) ? (long)size : throw new FormatException($"size {size} must be a whole number of lots.");
        }

        return o.TryGetProperty("qty", out _) || o.TryGetProperty("valueQty", out _)
            ? throw new FormatException("The simulator takes size in lots; qty and valueQty are not supported.")
            : 0;
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.Null => null,
            _ => throw new FormatException($"{name} must be a string."),
        } : null;

    private static decimal? Number(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var n))
        {
            return n;
        }

        if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var s))
        {
            return s;
        }

        if (v.ValueKind == JsonValueKind.String && v.GetString() == "")
        {
            return null;
        }

        throw new FormatException($"{name} must be a number, got {v.GetRawText()}.");
    }

    private static bool Flag(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.String when v.GetString() is "true" => true,
            JsonValueKind.String when v.GetString() is "false" => false,
            _ => throw new FormatException($"{name} must be true or false."),
        };
}
