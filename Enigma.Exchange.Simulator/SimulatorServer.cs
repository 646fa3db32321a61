using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// The simulator as a running web server (Kestrel): KuCoin's REST API under /api, its WebSocket under /endpoint, and
/// an admin API under /admin for the replay clock and fault injection. Start it, point any KuCoin client at
/// <see cref="BaseAddress"/>, dispose it to stop.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private const int AuthWindowMs = 5_000;

    private readonly WebApplication _app;
    private readonly SimulatorVenue _venue;
    private readonly EventHub _hub;
    private readonly FaultInjector _faults;
    private readonly RestApi _api;
    private readonly TimeProvider _wall;
    private readonly ConcurrentDictionary<string, string?> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Pool, string Caller), QuotaWindow> _quotas = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _pump;

    private SimulatorServer(SimulatorOptions options, TimeProvider wall)
    {
        _wall = wall;
        var contracts = options.Contracts.ToDictionary(c => c.Symbol, StringComparer.Ordinal);
        _hub = new EventHub(symbol => contracts[symbol]);
        _venue = new SimulatorVenue(options, wall, _hub);
        _faults = new FaultInjector(options.Faults);
        _api = new RestApi(_venue, IssueToken, () => new Uri(BaseAddress, "/endpoint").ToString().Replace("http", "ws", StringComparison.Ordinal) is var ws ? new Uri(ws) : throw new InvalidOperationException());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        // The process that embeds the simulator owns its signals: ASP.NET's console lifetime would swallow SIGTERM
        // and Ctrl+C to stop only the web host, leaving the embedding command waiting forever.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(options.BindAddress), options.Port));
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Run(HandleAsync);
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The replay's market time, in UTC epoch milliseconds.</summary>
    public long MarketTimeMs => _venue.Clock.NowMs;

    public IEnumerable<string> Symbols => _venue.Feed.Symbols;

    public int WebSocketSessions => _hub.SessionCount;

    /// <summary>Set when this run resumed an earlier one from its state folder.</summary>
    public VenueResume? Resumed => _venue.Resumed;

    /// <summary>Events published and not yet handed to the sessions.</summary>
    public int EventBacklog => _hub.Backlog;

    public static async Task<SimulatorServer> StartAsync(SimulatorOptions options, TimeProvider? wall = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var server = new SimulatorServer(options, wall ?? TimeProvider.System);
        try
        {
            await server._app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The venue log stays free for the next attempt (a port in use is the usual cause).
            server._venue.CloseLog();
            await server._app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = server._app.Urls.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        if (options.Speed > 0)
        {
            server._pump = server.PumpAsync(server._stopping.Token);
        }

        return server;
    }

    /// <summary>Moves the replay forward (a stepped clock's only way to move), publishing everything that happened on the way.</summary>
    public long Step(TimeSpan by) => _venue.Step((long)by.TotalMilliseconds);

    public void SetFaults(FaultSettings faults) => _faults.Change(faults);

    /// <summary>Drops every WebSocket connection without a close handshake; returns how many.</summary>
    public int DropWebSockets()
    {
        var sessions = _hub.Sessions.ToList();
        foreach (var session in sessions)
        {
            session.Abort();
        }

        _faults.Count("webSocketDrops", sessions.Count);

        return sessions.Count;
    }

    /// <summary>
    /// Moves the market with the clock: it sleeps until the next tick is due (in wall time at the replay's speed),
    /// at most 250 ms so that a step or a fault change is seen soon, at least 1 ms. An idle replay at speed 1 thus
    /// wakes a few times a second, not two hundred.
    /// </summary>
    private async Task PumpAsync(CancellationToken stopping)
    {
        try
        {
            var lastMark = _wall.GetTimestamp();
            while (!stopping.IsCancellationRequested)
            {
                if (_wall.GetElapsedTime(lastMark) >= TimeSpan.FromSeconds(1))
                {
                    // Where the market is, once a second: a restart resumes within a second of wall time of here.
                    _venue.MarkClock();
                    lastMark = _wall.GetTimestamp();
                }
                else
                {
                    _venue.Pump();
                }

                var next = _venue.NextTickTimeMs();
                var wait = next is { } due ? (due - _venue.Clock.NowMs) / _venue.Clock.Speed : 250;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(wait, 1, 250)), _wall, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private string IssueToken(string? accountId)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = accountId;
        return token;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path == "/endpoint" || path == "/endpoint/")
        {
            await WebSocketAsync(context).ConfigureAwait(false);
        }
        else if (path.StartsWith("/admin/", StringComparison.Ordinal))
        {
            await AdminAsync(context, path).ConfigureAwait(false);
        }
        else
        {
            await RestAsync(context, path).ConfigureAwait(false);
        }
    }

    private async Task RestAsync(HttpContext context, string path)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var faults = _faults.Settings;
        if (faults.LatencyMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), _wall, context.RequestAborted).ConfigureAwait(false);
        }

        Route? route = null;
        Dictionary<string, string>? values = null;
        foreach (var candidate in _api.Routes)
        {
            values = candidate.Match(request.Method, path);
            if (values is not null)
            {
                route = candidate;
                break;
            }
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (path + request.QueryString);
        SimulatorAccount? account = null;
        ApiReply? reply = null;
        if (route is null)
        {
            reply = ApiReply.Fail("404000", $"{request.Method} {path} is not an endpoint of this simulator.", 404);
        }
        else if (route.IsPrivate)
        {
            (account, reply) = Authenticate(request, rawTarget, body);
        }

        var (pool, weight) = KuCoinEndpoints.Cost(request.Method, path, route?.IsPrivate ?? false);
        var caller = account?.ApiKey ?? context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var quota = _quotas.GetOrAdd((pool.ToString(), caller), _ => new QuotaWindow(_venue.Options.RateLimitQuota, _wall));
        var (allowed, remaining, resetMs) = quota.Charge(reply is null ? weight : 0);
        if (reply is null && !allowed)
        {
            reply = ApiReply.Fail("429000", "Too Many Requests", 429);
        }
        else if (reply is null && _faults.Roll(faults.RateLimitShare))
        {
            reply = ApiReply.Fail("429000", "Too Many Requests (injected fault)", 429);
            (remaining, resetMs) = (0, faults.RateLimitResetMs);
            _faults.Count("rateLimited");
        }

        if (reply is null && _faults.Roll(faults.ServerErrorShare))
        {
            reply = ApiReply.Fail("500000", "Internal Server Error (injected fault)", 500);
            _faults.Count("serverErrors");
        }

        if (reply is null)
        {
            var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
            reply = route!.Handle(new ApiRequest(request.Method, path, query, body, account, values!, request.Host.Host));
            if (_faults.Roll(faults.LostReplyShare))
            {
                // Done, and never answered: the client learns nothing of the outcome.
                _faults.Count("lostReplies");
                context.Abort();
                return;
            }
        }

        var response = context.Response;
        response.StatusCode = reply.Status;
        response.ContentType = "application/json";
        response.Headers["gw-ratelimit-limit"] = _venue.Options.RateLimitQuota.ToString(CultureInfo.InvariantCulture);
        response.Headers["gw-ratelimit-remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["gw-ratelimit-reset"] = resetMs.ToString(CultureInfo.InvariantCulture);
        var json = KuCoinJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("code", reply.Code);
            if (reply.Data is not null)
            {
                w.WritePropertyName("data");
                reply.Data(w);
            }
            else
            {
                w.WriteString("msg", reply.Message);
            }

            w.WriteEndObject();
        });
        await response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>KuCoin's checks in KuCoin's order and words (kucoin-futures-api.md 4.1 and 2.2), answered with HTTP 401.</summary>
    private (SimulatorAccount? Account, ApiReply? Failure) Authenticate(HttpRequest request, string rawTarget, string body)
    {
        string? Header(string name) => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        var key = Header("KC-API-KEY");
        var sign = Header("KC-API-SIGN");
        var timestamp = Header("KC-API-TIMESTAMP");
        var passphrase = Header("KC-API-PASSPHRASE");
        var version = Header("KC-API-KEY-VERSION") ?? "1";
        if (key is null || sign is null || timestamp is null || passphrase is null)
        {
            return (null, ApiReply.Fail("400001", "Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE.", 401));
        }

        var account = _venue.Account(key);
        if (account is null)
        {
            return (null, ApiReply.Fail("400003", "KC-API-KEY not exists", 401));
        }

        var now = _wall.GetUtcNow().ToUnixTimeMilliseconds();
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts) || Math.Abs(now - ts) > AuthWindowMs)
        {
            return (null, ApiReply.Fail("400002", "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds", 401));
        }

        if (version is not ("1" or "2" or "3"))
        {
            return (null, ApiReply.Fail("400009", $"KC-API-KEY-VERSION '{version}' is invalid", 401));
        }

        var expectedPassphrase = version == "1" ? account.ApiPassphrase : KuCoinSigner.Sign(account.ApiSecret, account.ApiPassphrase);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expectedPassphrase), Encoding.UTF8.GetBytes(passphrase)))
        {
            return (null, ApiReply.Fail("400004", "Invalid KC-API-PASSPHRASE", 401));
        }

        if (!KuCoinSigner.Verify(account.ApiSecret, sign, timestamp, request.Method, rawTarget, body))
        {
            return (null, ApiReply.Fail("400005", "Invalid KC-API-SIGN", 401));
        }

        return (account, null);
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("WebSocket only.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (_faults.Settings.RefuseWebSockets)
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("The stream is down (fault injected).", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var token = context.Request.Query["token"].ToString();
        var connectId = context.Request.Query["connectId"].ToString();
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        if (!_tokens.TryGetValue(token, out var accountId))
        {
            var error = KuCoinJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", connectId);
                w.WriteString("type", "error");
                w.WriteNumber("code", 401);
                w.WriteString("data", "token is invalid");
                w.WriteEndObject();
            });
            await socket.SendAsync(Encoding.UTF8.GetBytes(error), System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted).ConfigureAwait(false);
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "token is invalid", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var options = _venue.Options;
        var session = new WebSocketSession(socket, accountId, string.IsNullOrEmpty(connectId) ? Guid.NewGuid().ToString("N") : connectId, _faults, _venue.Feed.Symbols, options.PingIntervalMs + options.PingTimeoutMs);
        _hub.Add(session);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await session.RunAsync(linked.Token).ConfigureAwait(false);
        }
        finally
        {
            _hub.Remove(session);
        }
    }

    private async Task AdminAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var response = context.Response;
        response.ContentType = "application/json";
        try
        {
            string json;
            switch (request.Method, path)
            {
                case ("GET", "/admin/state"):
                    json = State();
                    break;
                case ("POST", "/admin/clock/step"):
                    if (!long.TryParse(request.Query["ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                    {
                        throw new ArgumentException("ms must be a non-negative whole number of milliseconds.");
                    }

                    Step(TimeSpan.FromMilliseconds(ms));
                    json = State();
                    break;
                case ("POST", "/admin/faults"):
                    var faults = await JsonSerializer.DeserializeAsync<FaultSettings>(request.Body, AdminJson.Options, context.RequestAborted).ConfigureAwait(false)
                        ?? throw new ArgumentException("The body must be a JSON object of fault settings.");
                    SetFaults(faults);
                    json = State();
                    break;
                case ("POST", "/admin/websockets/drop"):
                    json = string.Create(CultureInfo.InvariantCulture, $"{{\"dropped\":{DropWebSockets()}}}");
                    break;
                default:
                    response.StatusCode = 404;
                    json = "{\"error\":\"unknown admin endpoint; try GET /admin/state, POST /admin/clock/step?ms=N, POST /admin/faults, POST /admin/websockets/drop\"}";
                    break;
            }

            await response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            response.StatusCode = 400;
            await response.WriteAsync(JsonSerializer.Serialize(new { error = e.Message }, AdminJson.Options), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private string State() => JsonSerializer.Serialize(
        new
        {
            marketTimeMs = MarketTimeMs,
            marketTime = ReplayFeed.Describe(MarketTimeMs),
            speed = _venue.Clock.Speed,
            symbols = Symbols,
            webSocketSessions = WebSocketSessions,
            faults = _faults.Settings,
            faultsInjected = _faults.Injected,
        },
        AdminJson.Options);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }

        foreach (var session in _hub.Sessions.ToList())
        {
            session.Abort(); // closing, not a fault: not counted
        }

        _venue.CloseLog();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _hub.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>A KuCoin quota window: it starts at the first request and refills 30 s later (kucoin-futures-api.md 6.1).</summary>
    private sealed class QuotaWindow(int quota, TimeProvider wall)
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
        private readonly Lock _gate = new();
        private DateTimeOffset _start = DateTimeOffset.MinValue;
        private int _used;

        public (bool Allowed, int Remaining, long ResetMs) Charge(int weight)
        {
            lock (_gate)
            {
                var now = wall.GetUtcNow();
                if (now - _start >= Window)
                {
                    _start = now;
                    _used = 0;
                }

                var allowed = _used + weight <= quota;
                if (allowed)
                {
                    _used += weight;
                }

                return (allowed, quota - _used, (long)(_start + Window - now).TotalMilliseconds);
            }
        }
    }
}

/// <summary>A host lifetime that leaves process signals to the embedding process.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class AdminJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
