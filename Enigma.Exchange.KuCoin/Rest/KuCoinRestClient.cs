using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Auth;
using Polly;
using Polly.CircuitBreaker;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>Where the client talks to and how patiently.</summary>
public sealed record KuCoinClientOptions
{
    /// <summary>KuCoin's futures host, or a simulator's address.</summary>
    public Uri FuturesBaseAddress { get; init; } = new("https://api-futures.kucoin.com/");

    /// <summary>The spot host, where GET /api/v1/user/api-key lives (a simulator serves both on one address).</summary>
    public Uri SpotBaseAddress { get; init; } = new("https://api.kucoin.com/");

    /// <summary>Absent for public market data only.</summary>
    public KuCoinCredentials? Credentials { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Circuit breaker: consecutive failures before it opens, and how long it stays open before a trial call.</summary>
    public int BreakerFailures { get; init; } = 5;

    public TimeSpan BreakerOpenFor { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The largest difference from KuCoin's clock the client corrects when it signs; beyond it the machine's clock is
    /// wrong enough to be fixed by an operator (NTP), and signed calls fail saying so.
    /// </summary>
    public TimeSpan MaxClockOffset { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the offset from KuCoin's clock is measured again while signed calls go on.</summary>
    public TimeSpan ClockRefreshEvery { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Placement attempts for one clientOid (the first plus retries after a lookup found nothing).</summary>
    public int PlacementAttempts { get; init; } = 3;

    /// <summary>A simulator (or any address given explicitly) serves everything on one host.</summary>
    public static KuCoinClientOptions ForAddress(Uri address, KuCoinCredentials? credentials = null) =>
        new() { FuturesBaseAddress = address, SpotBaseAddress = address, Credentials = credentials };
}

/// <summary>The three groups of endpoints that fail together, each behind its own circuit breaker.</summary>
public enum EndpointGroup
{
    MarketData,
    Trading,
    Account,
}

/// <summary>An order to send (POST /api/v1/orders, section 4.2). Size in lots; the clientOid makes it idempotent.</summary>
public sealed record KuCoinOrderRequest
{
    public required string ClientOid { get; init; }

    public required string Symbol { get; init; }

    /// <summary>"buy" or "sell".</summary>
    public required string Side { get; init; }

    /// <summary>"limit" or "market".</summary>
    public string Type { get; init; } = "limit";

    public long Lots { get; init; }

    public decimal? Price { get; init; }

    public int Leverage { get; init; } = 1;

    public string? TimeInForce { get; init; }

    public bool PostOnly { get; init; }

    public bool ReduceOnly { get; init; }

    public bool CloseOrder { get; init; }

    /// <summary>"up" or "down" for a stop order.</summary>
    public string? Stop { get; init; }

    public decimal? StopPrice { get; init; }

    /// <summary>"TP" (last trade), "MP" (mark) or "IP" (index).</summary>
    public string? StopPriceType { get; init; }

    /// <summary>The exact JSON that is signed and sent.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("clientOid", ClientOid);
            w.WriteString("side", Side);
            w.WriteString("symbol", Symbol);
            w.WriteString("type", Type);
            w.WriteNumber("leverage", Leverage);
            if (!CloseOrder)
            {
                w.WriteNumber("size", Lots);
            }

            if (Price is { } price)
            {
                w.WriteString("price", price.ToString(CultureInfo.InvariantCulture));
            }

            if (TimeInForce is not null)
            {
                w.WriteString("timeInForce", TimeInForce);
            }

            if (PostOnly)
            {
                w.WriteBoolean("postOnly", true);
            }

            if (ReduceOnly)
            {
                w.WriteBoolean("reduceOnly", true);
            }

            if (CloseOrder)
            {
                w.WriteBoolean("closeOrder", true);
            }

            if (Stop is not null)
            {
                w.WriteString("stop", Stop);
                w.WriteString("stopPrice", StopPrice?.ToString(CultureInfo.InvariantCulture));
                w.WriteString("stopPriceType", StopPriceType ?? "TP");
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>The outcome of an idempotent placement: the order id, and whether it was found by clientOid after a doubtful attempt.</summary>
public sealed record PlacedOrder(string OrderId, string ClientOid, bool RecoveredByLookup, int Attempts);

/// <summary>
/// KuCoin Futures REST: signing (with the offset of KuCoin's clock from this machine's, measured from
/// <c>/api/v1/timestamp</c> before the first signed call, every <see cref="KuCoinClientOptions.ClockRefreshEvery"/>
/// and whenever KuCoin answers 400002), the envelope, typed errors, per-pool rate limits and a circuit breaker per
/// endpoint group (<see cref="ConsecutiveFailureBreaker"/>: it opens after
/// <see cref="KuCoinClientOptions.BreakerFailures"/> consecutive failures, lets a trial call through after
/// <see cref="KuCoinClientOptions.BreakerOpenFor"/>, and closes on its success). Only failures of the venue count
/// (transport errors, timeouts, 5xx, rate limiting); a refused order is an answer, not a failure.
/// </summary>
public sealed class KuCoinRestClient
{
    private readonly HttpClient _http;
    private readonly KuCoinClientOptions _options;
    private readonly KuCoinRateLimiter _limiter;
    private readonly TimeProvider _time;
    private readonly Dictionary<EndpointGroup, ConsecutiveFailureBreaker> _breakers;
    private long _clockOffsetMs;
    private long _clockMeasuredAtMs = long.MinValue;

    public KuCoinRestClient(HttpClient http, KuCoinClientOptions options, KuCoinRateLimiter? limiter = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _time = time ?? TimeProvider.System;
        _limiter = limiter ?? new KuCoinRateLimiter(_time);
        _breakers = Enum.GetValues<EndpointGroup>().ToDictionary(g => g, _ => new ConsecutiveFailureBreaker(_options.BreakerFailures, _options.BreakerOpenFor, _time, IsVenueFailure));
    }

    /// <summary>KuCoin's clock minus this machine's, as last measured (zero before the first signed call).</summary>
    public TimeSpan ClockOffset => TimeSpan.FromMilliseconds(Interlocked.Read(ref _clockOffsetMs));

    /// <summary>Raised when the offset is measured and more than a second (for the node's log).</summary>
    public event Action<TimeSpan>? ClockCorrected;

    public KuCoinClientOptions Options => _options;

    /// <summary>CLOSED, OPEN, HALF_OPEN or ISOLATED, as Polly names them.</summary>
    public CircuitState BreakerState(EndpointGroup group) => _breakers[group].State;

    /// <summary>
    /// Measures KuCoin's clock against this machine's (the middle of the round trip) and signs with the difference
    /// from then on. A difference beyond <see cref="KuCoinClientOptions.MaxClockOffset"/> is refused, naming it.
    /// </summary>
    public async Task SyncClockAsync(CancellationToken ct = default)
    {
        // Two calls measuring at once each set an offset as good as the other's: no lock needed.
        var before = _time.GetUtcNow();
        var server = await GetServerTimeAsync(ct).ConfigureAwait(false);
        var after = _time.GetUtcNow();
        var offset = server - (before.ToUnixTimeMilliseconds() + ((after - before).Ticks / TimeSpan.TicksPerMillisecond / 2));
        if (Math.Abs(offset) > _options.MaxClockOffset.TotalMilliseconds)
        {
            throw new KuCoinProtocolException(string.Create(CultureInfo.InvariantCulture,
                $"this machine's clock is {offset / 1000.0:0.#} s from KuCoin's, beyond the {_options.MaxClockOffset.TotalMinutes:0} minutes the client corrects: set the machine's clock (NTP)."));
        }

        Interlocked.Exchange(ref _clockOffsetMs, offset);
        Interlocked.Exchange(ref _clockMeasuredAtMs, after.ToUnixTimeMilliseconds());
        if (Math.Abs(offset) > 1_000)
        {
            ClockCorrected?.Invoke(TimeSpan.FromMilliseconds(offset));
        }
    }

    /// <summary>Transport errors, timeouts, 5xx and throttling are the venue failing; an answer we dislike is not.</summary>
    public static bool IsVenueFailure(Exception e) => e switch
    {
        KuCoinApiException api => api.IsRetryable || api.HttpStatus >= 500,
        HttpRequestException or TimeoutException or KuCoinProtocolException => true,
        _ => false,
    };

    // ----- Market data ----------------------------------------------------------------------------------------------

    public async Task<long> GetServerTimeAsync(CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Get, "/api/v1/timestamp", null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false)).GetInt64();

    public async Task<IReadOnlyList<KuCoinContract>> GetActiveContractsAsync(CancellationToken ct = default) =>
        KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/contracts/active", null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false), KuCoinContract.Parse);

    public async Task<KuCoinContract> GetContractAsync(string symbol, CancellationToken ct = default) =>
        KuCoinContract.Parse(await SendAsync(HttpMethod.Get, "/api/v1/contracts/" + Uri.EscapeDataString(symbol), null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false));

    public async Task<KuCoinTicker> GetTickerAsync(string symbol, CancellationToken ct = default) =>
        KuCoinTicker.Parse(await SendAsync(HttpMethod.Get, "/api/v1/ticker?symbol=" + Uri.EscapeDataString(symbol), null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false));

    /// <summary>The full book (the only snapshot that aligns with the level2 feed, section 3.5).</summary>
    public async Task<KuCoinBookSnapshot> GetBookSnapshotAsync(string symbol, CancellationToken ct = default) =>
        KuCoinBookSnapshot.Parse(await SendAsync(HttpMethod.Get, "/api/v1/level2/snapshot?symbol=" + Uri.EscapeDataString(symbol), null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false));

    public async Task<IReadOnlyList<KuCoinTrade>> GetRecentTradesAsync(string symbol, CancellationToken ct = default) =>
        KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/trade/history?symbol=" + Uri.EscapeDataString(symbol), null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false), KuCoinTrade.Parse);

    public async Task<KuCoinFundingRate> GetFundingRateAsync(string symbol, CancellationToken ct = default) =>
        KuCoinFundingRate.Parse(await SendAsync(HttpMethod.Get, $"/api/v1/funding-rate/{Uri.EscapeDataString(symbol)}/current", null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false));

    /// <summary>One page of klines (at most 200 rows, oldest first) of <paramref name="granularityMinutes"/>.</summary>
    public async Task<IReadOnlyList<KuCoinKline>> GetKlinesAsync(string symbol, int granularityMinutes, long? fromMs = null, long? toMs = null, CancellationToken ct = default)
    {
        var query = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"/api/v1/kline/query?symbol={Uri.EscapeDataString(symbol)}&granularity={granularityMinutes}"));
        if (fromMs is { } from)
        {
            query.Append(CultureInfo.InvariantCulture, $"&from={from}");
        }

        if (toMs is { } to)
        {
            query.Append(CultureInfo.InvariantCulture, $"&to={to}");
        }

        return KuCoinPage.Items(await SendAsync(HttpMethod.Get, query.ToString(), null, false, EndpointGroup.MarketData, ct).ConfigureAwait(false), KuCoinKline.Parse);
    }

    /// <summary>Klines from <paramref name="fromMs"/> to <paramref name="toMs"/>, paged in windows of 200 rows.</summary>
    public async Task<IReadOnlyList<KuCoinKline>> GetKlineHistoryAsync(string symbol, int granularityMinutes, long fromMs, long toMs, CancellationToken ct = default)
    {
        var all = new List<KuCoinKline>();
        var step = granularityMinutes * 60_000L;
        for (var start = fromMs; start <= toMs; start += 200 * step)
        {
            var end = Math.Min(toMs, start + (199 * step));
            var page = await GetKlinesAsync(symbol, granularityMinutes, start, end, ct).ConfigureAwait(false);
            all.AddRange(page.Where(k => all.Count == 0 || k.OpenTimeMs > all[^1].OpenTimeMs));
        }

        return all;
    }

    // ----- Trading --------------------------------------------------------------------------------------------------

    /// <summary>Sends the order once; the exchange answers with its order id.</summary>
    public async Task<string> PlaceOrderAsync(KuCoinOrderRequest order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var data = await SendAsync(HttpMethod.Post, "/api/v1/orders", order.ToJson(), true, EndpointGroup.Trading, ct).ConfigureAwait(false);
        return KuCoinJsonReader.RequiredText(data, "orderId", "place order");
    }

    /// <summary>
    /// Places an order so that it exists at most once, whatever the network does: when an attempt's outcome is unknown
    /// (timeout, dropped connection, 5xx), the order is first looked up by its clientOid, and only if the exchange has
    /// never heard of it is it sent again, with the same clientOid (which KuCoin refuses to accept twice, 300018).
    /// </summary>
    public async Task<PlacedOrder> PlaceOrderOnceAsync(KuCoinOrderRequest order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        Exception? last = null;
        for (var attempt = 1; attempt <= _options.PlacementAttempts; attempt++)
        {
            try
            {
                return new PlacedOrder(await PlaceOrderAsync(order, ct).ConfigureAwait(false), order.ClientOid, false, attempt);
            }
            catch (KuCoinApiException e) when (e.Kind == KuCoinErrorKind.DuplicateClientOrderId)
            {
                // An earlier attempt did arrive: the order exists.
                last = e;
            }
            catch (Exception e) when (IsDoubtful(e, ct))
            {
                last = e;
            }

            var existing = await FindByClientOidAsync(order.ClientOid, ct).ConfigureAwait(false);
            if (existing is not null)
            {
                return new PlacedOrder(existing.Id, order.ClientOid, true, attempt);
            }
        }

        // The exchange has no such order, so asking again with the same clientOid cannot double it: when the last
        // failure was an outage, a rate limit or a lost reply, the caller is told a retry may help.
        var kind = last switch
        {
            KuCoinApiException { IsRetryable: true } api => api.Kind,
            KuCoinApiException { HttpStatus: >= 500 } => KuCoinErrorKind.Unavailable,
            KuCoinApiException => KuCoinErrorKind.Unknown,
            _ => KuCoinErrorKind.Unavailable,
        };
        throw new KuCoinApiException($"Order {order.ClientOid} on {order.Symbol}: not placed after {_options.PlacementAttempts} attempts, and the exchange has no order with that clientOid. Last error: {last?.Message}", last!, kind);
    }

    /// <summary>The outcome of a request we cannot know: it may or may not have reached the matching engine.</summary>
    private static bool IsDoubtful(Exception e, CancellationToken ct) => e switch
    {
        OperationCanceledException when ct.IsCancellationRequested => false,
        TimeoutException or HttpRequestException or OperationCanceledException or KuCoinProtocolException => true,
        KuCoinApiException api => api.Kind == KuCoinErrorKind.Unavailable || api.HttpStatus >= 500,
        BrokenCircuitException => false,
        _ => false,
    };

    /// <summary>Looks an order up by clientOid, retrying through transient failures: the answer decides whether to send again.</summary>
    private async Task<KuCoinOrder?> FindByClientOidAsync(string clientOid, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await GetOrderByClientOidAsync(clientOid, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < 5 && IsDoubtful(e, ct))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _time, ct).ConfigureAwait(false);
            }
        }
    }

    public async Task CancelOrderAsync(string orderId, CancellationToken ct = default) =>
        await SendAsync(HttpMethod.Delete, "/api/v1/orders/" + Uri.EscapeDataString(orderId), null, true, EndpointGroup.Trading, ct).ConfigureAwait(false);

    public async Task CancelOrderByClientOidAsync(string symbol, string clientOid, CancellationToken ct = default) =>
        await SendAsync(HttpMethod.Delete, $"/api/v1/orders/client-order/{Uri.EscapeDataString(clientOid)}?symbol={Uri.EscapeDataString(symbol)}", null, true, EndpointGroup.Trading, ct).ConfigureAwait(false);

    /// <summary>Cancels every open (non-stop) order of one symbol; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> CancelAllOrdersAsync(string symbol, CancellationToken ct = default) =>
        CancelledIds(await SendAsync(HttpMethod.Delete, "/api/v3/orders?symbol=" + Uri.EscapeDataString(symbol), null, true, EndpointGroup.Trading, ct).ConfigureAwait(false));

    public async Task<IReadOnlyList<string>> CancelAllStopOrdersAsync(string symbol, CancellationToken ct = default) =>
        CancelledIds(await SendAsync(HttpMethod.Delete, "/api/v1/stopOrders?symbol=" + Uri.EscapeDataString(symbol), null, true, EndpointGroup.Trading, ct).ConfigureAwait(false));

    private static string[] CancelledIds(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("cancelledOrderIds", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(i => i.GetString() ?? "").ToArray()
            : [];

    public async Task<KuCoinOrder?> GetOrderAsync(string orderId, CancellationToken ct = default) =>
        await OrNotFound(() => SendAsync(HttpMethod.Get, "/api/v1/orders/" + Uri.EscapeDataString(orderId), null, true, EndpointGroup.Trading, ct)).ConfigureAwait(false);

    public async Task<KuCoinOrder?> GetOrderByClientOidAsync(string clientOid, CancellationToken ct = default) =>
        await OrNotFound(() => SendAsync(HttpMethod.Get, "/api/v1/orders/byClientOid?clientOid=" + Uri.EscapeDataString(clientOid), null, true, EndpointGroup.Trading, ct)).ConfigureAwait(false);

    private static async Task<KuCoinOrder?> OrNotFound(Func<Task<JsonElement>> send)
    {
        try
        {
            var data = await send().ConfigureAwait(false);
            return data.ValueKind == JsonValueKind.Object ? KuCoinOrder.Parse(data) : null;
        }
        catch (KuCoinApiException e) when (e.Kind == KuCoinErrorKind.NotFound || e.Code == "100001")
        {
            return null;
        }
    }

    /// <summary>Open orders (status=active; KuCoin's default is done), newest first, up to 1000.</summary>
    public async Task<IReadOnlyList<KuCoinOrder>> GetOpenOrdersAsync(string? symbol = null, CancellationToken ct = default) =>
        KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/orders?status=active" + (symbol is null ? "" : "&symbol=" + Uri.EscapeDataString(symbol)) + "&pageSize=1000", null, true, EndpointGroup.Trading, ct).ConfigureAwait(false), KuCoinOrder.Parse);

    public async Task<IReadOnlyList<KuCoinOrder>> GetStopOrdersAsync(string? symbol = null, CancellationToken ct = default) =>
        KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/stopOrders" + (symbol is null ? "" : "?symbol=" + Uri.EscapeDataString(symbol)), null, true, EndpointGroup.Trading, ct).ConfigureAwait(false), KuCoinOrder.Parse);

    /// <summary>Fills of one order, or of a symbol since a time (newest first, one page of up to 1000).</summary>
    public async Task<IReadOnlyList<KuCoinFill>> GetFillsAsync(string? orderId = null, string? symbol = null, long? startAtMs = null, CancellationToken ct = default)
    {
        var query = new List<string> { "pageSize=1000" };
        if (orderId is not null)
        {
            query.Add("orderId=" + Uri.EscapeDataString(orderId));
        }

        if (symbol is not null)
        {
            query.Add("symbol=" + Uri.EscapeDataString(symbol));
        }

        if (startAtMs is { } start)
        {
            query.Add("startAt=" + start.ToString(CultureInfo.InvariantCulture));
        }

        return KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/fills?" + string.Join('&', query), null, true, EndpointGroup.Trading, ct).ConfigureAwait(false), KuCoinFill.Parse);
    }

    /// <summary>
    /// The account's funding settlements on <paramref name="symbol"/> after <paramref name="afterMs"/>, oldest first,
    /// every page of them (cursor style: forward from the last one read).
    /// </summary>
    public async Task<IReadOnlyList<KuCoinFunding>> GetFundingHistoryAsync(string symbol, long afterMs, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        var all = new List<KuCoinFunding>();
        var from = afterMs + 1;
        for (var page = 0; page < 100; page++)
        {
            var data = await SendAsync(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/api/v1/funding-history?symbol={Uri.EscapeDataString(symbol)}&startAt={from}&forward=true&maxCount=100"), null, true, EndpointGroup.Account, ct).ConfigureAwait(false);
            var items = data.TryGetProperty("dataList", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().Select(KuCoinFunding.Parse).OrderBy(f => f.TimeMs).ToList() : [];
            all.AddRange(items.Where(f => f.TimeMs > afterMs && all.All(seen => seen.Id != f.Id)));
            if (items.Count == 0 || !(data.TryGetProperty("hasMore", out var more) && more.ValueKind == JsonValueKind.True))
            {
                break;
            }

            from = items[^1].TimeMs + 1;
        }

        return all;
    }

    // ----- Account --------------------------------------------------------------------------------------------------

    /// <summary>The symbol's position; a flat one reads as zero lots whichever way the exchange says it (section 4.7).</summary>
    public async Task<KuCoinPosition> GetPositionAsync(string symbol, CancellationToken ct = default)
    {
        var data = await SendAsync(HttpMethod.Get, "/api/v1/position?symbol=" + Uri.EscapeDataString(symbol), null, true, EndpointGroup.Account, ct).ConfigureAwait(false);
        return data.ValueKind == JsonValueKind.Object && data.TryGetProperty("symbol", out _)
            ? KuCoinPosition.Parse(data)
            : new KuCoinPosition(symbol, 0, 0, 0, 0, 0, 0, 0, 0, "ISOLATED");
    }

    public async Task<IReadOnlyList<KuCoinPosition>> GetPositionsAsync(CancellationToken ct = default) =>
        KuCoinPage.Items(await SendAsync(HttpMethod.Get, "/api/v1/positions?currency=USDT", null, true, EndpointGroup.Account, ct).ConfigureAwait(false), KuCoinPosition.Parse);

    /// <summary>Always in USDT: KuCoin's default currency is XBT (section 4.9).</summary>
    public async Task<KuCoinAccountOverview> GetAccountOverviewAsync(CancellationToken ct = default) =>
        KuCoinAccountOverview.Parse(await SendAsync(HttpMethod.Get, "/api/v1/account-overview?currency=USDT", null, true, EndpointGroup.Account, ct).ConfigureAwait(false));

    public async Task<KuCoinApiKeyInfo> GetApiKeyInfoAsync(CancellationToken ct = default) =>
        KuCoinApiKeyInfo.Parse(await SendAsync(HttpMethod.Get, "/api/v1/user/api-key", null, true, EndpointGroup.Account, ct, spotHost: true).ConfigureAwait(false));

    public async Task<KuCoinBullet> GetBulletAsync(bool isPrivate, CancellationToken ct = default) =>
        KuCoinBullet.Parse(await SendAsync(HttpMethod.Post, isPrivate ? "/api/v1/bullet-private" : "/api/v1/bullet-public", "", isPrivate, EndpointGroup.MarketData, ct).ConfigureAwait(false));

    // ----- Transport ------------------------------------------------------------------------------------------------

    /// <summary>
    /// One request: wait for the pool's budget, sign (private), send, read the envelope, feed the pool's headers back
    /// to the limiter. Returns <c>data</c>; throws <see cref="KuCoinApiException"/>, <see cref="KuCoinProtocolException"/>,
    /// <see cref="TimeoutException"/>, <see cref="HttpRequestException"/> or Polly's <see cref="BrokenCircuitException"/>.
    /// </summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string pathAndQuery, string? body, bool isPrivate, EndpointGroup group, CancellationToken ct, bool spotHost = false)
    {
        if (!isPrivate)
        {
            return await SendOnceAsync(method, pathAndQuery, body, isPrivate, group, spotHost, ct).ConfigureAwait(false);
        }

        var measured = Interlocked.Read(ref _clockMeasuredAtMs);
        if ((measured == long.MinValue || _time.GetUtcNow().ToUnixTimeMilliseconds() - measured > _options.ClockRefreshEvery.TotalMilliseconds)
            && _limiter.BlockedFor(KuCoinEndpoints.Cost("GET", "/api/v1/timestamp", false).Pool) == TimeSpan.Zero)
        {
            // KuCoin's clock is read from the public pool: when market data has used that up, or the read fails, the
            // signed call (a stop, a cancel) goes now with the last offset (none yet: the machine's clock) rather
            // than wait for the pool; a clock that is off then answers 400002, which measures again below.
            try
            {
                await SyncClockAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsVenueFailure(e) && e is not KuCoinProtocolException && !ct.IsCancellationRequested)
            {
            }
        }

        try
        {
            return await SendOnceAsync(method, pathAndQuery, body, isPrivate, group, spotHost, ct).ConfigureAwait(false);
        }
        catch (KuCoinApiException e) when (e.Kind == KuCoinErrorKind.ClockSkew)
        {
            // The machine's clock moved since it was measured: measure it again and sign again, once. KuCoin refused
            // the request before acting on it, so sending it again cannot double anything.
            await SyncClockAsync(ct).ConfigureAwait(false);
            return await SendOnceAsync(method, pathAndQuery, body, isPrivate, group, spotHost, ct).ConfigureAwait(false);
        }
    }

    private async Task<JsonElement> SendOnceAsync(HttpMethod method, string pathAndQuery, string? body, bool isPrivate, EndpointGroup group, bool spotHost, CancellationToken ct)
    {
        var path = pathAndQuery.Split('?')[0];
        var (pool, weight) = KuCoinEndpoints.Cost(method.Method, path, isPrivate);
        var what = $"{method.Method} {path}";
        return await _breakers[group].ExecuteAsync(
            async token =>
            {
                await _limiter.AcquireAsync(pool, weight, token).ConfigureAwait(false);
                using var request = new HttpRequestMessage(method, new Uri(spotHost ? _options.SpotBaseAddress : _options.FuturesBaseAddress, pathAndQuery));
                var text = body ?? "";
                if (body is not null)
                {
                    request.Content = new StringContent(text, Encoding.UTF8, "application/json");
                    request.Content.Headers.ContentType!.CharSet = null;
                }

                if (isPrivate)
                {
                    var credentials = _options.Credentials ?? throw new InvalidOperationException($"{what} is private and the client has no credentials.");
                    foreach (var (name, value) in KuCoinSigner.Headers(credentials, _time.GetUtcNow().ToUnixTimeMilliseconds() + Interlocked.Read(ref _clockOffsetMs), method.Method, pathAndQuery, text).All())
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(_options.RequestTimeout);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!token.IsCancellationRequested)
                {
                    throw new TimeoutException($"{what}: no answer within {_options.RequestTimeout.TotalSeconds:0.#} s.", e);
                }

                using (response)
                {
                    string reply;
                    try
                    {
                        reply = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException e) when (!token.IsCancellationRequested)
                    {
                        throw new TimeoutException($"{what}: the answer did not arrive within {_options.RequestTimeout.TotalSeconds:0.#} s.", e);
                    }

                    var status = (int)response.StatusCode;
                    var limits = RateLimitState.FromHeaders(name => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null);
                    _limiter.Observe(pool, limits, status == (int)HttpStatusCode.TooManyRequests);
                    try
                    {
                        return KuCoinEnvelope.Data(reply, status, what);
                    }
                    catch (KuCoinApiException e) when (e.Kind == KuCoinErrorKind.RateLimited)
                    {
                        _limiter.Observe(pool, limits, rateLimitedReply: true);
                        throw;
                    }
                }
            },
            ct).ConfigureAwait(false);
    }
}
