using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Enigma.Exchange.KuCoin.Rest;

namespace Enigma.Exchange.KuCoin.WebSockets;

/// <summary>One pushed message. <see cref="Data"/> is valid only during the handler call: copy what you keep.</summary>
public readonly record struct KuCoinPush(string Topic, string Subject, JsonElement Data);

public enum KuCoinStreamState
{
    Stopped,
    Connecting,
    Live,
}

public sealed record KuCoinStreamOptions
{
    /// <summary>First wait after a lost connection; it doubles per failed attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Kept short so that streaming resumes within a second of the server being reachable (the seed allows 5 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long to wait for the welcome, and for each subscription's ack (the universal SDK waits 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// KuCoin's WebSocket (kucoin-futures-api.md 5.1 to 5.3): a fresh bullet token per connection, connect with a
/// connectId, wait for the welcome, ping at the server's interval and treat a missing pong as a dead link, subscribe
/// with an ack, and after any loss reconnect with a short backoff and subscribe again to everything. A malformed
/// frame or an error message is reported, never fatal; a handler that throws is reported and the stream goes on.
/// </summary>
public sealed class KuCoinWebSocketClient : IAsyncDisposable
{
    private readonly KuCoinRestClient _rest;
    private readonly bool _isPrivate;
    private readonly KuCoinStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Action<KuCoinPush>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pendingAcks = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstLive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientWebSocket? _socket;
    private Task? _loop;
    private long _lastId;
    private long _lastHeardTimestamp;
    private long _notLiveSinceTimestamp;

    public KuCoinWebSocketClient(KuCoinRestClient rest, bool isPrivate, KuCoinStreamOptions? options = null, TimeProvider? time = null)
    {
        _rest = rest;
        _isPrivate = isPrivate;
        _options = options ?? new KuCoinStreamOptions();
        _time = time ?? TimeProvider.System;
    }

    public KuCoinStreamState State { get; private set; } = KuCoinStreamState.Stopped;

    /// <summary>How long the stream has not been live (zero while it is): the Audit agent's "WebSocket down &gt; 60 s".</summary>
    public TimeSpan DownFor
    {
        get
        {
            var since = Interlocked.Read(ref _notLiveSinceTimestamp);
            return State == KuCoinStreamState.Live || since == 0 ? TimeSpan.Zero : _time.GetElapsedTime(since);
        }
    }

    /// <summary>How long since the last frame (a push, an ack or a pong) arrived: the link's heartbeat.</summary>
    public TimeSpan SilentFor
    {
        get
        {
            var heard = Interlocked.Read(ref _lastHeardTimestamp);
            return heard == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(heard);
        }
    }

    /// <summary>Connections made after the first.</summary>
    public int Reconnects { get; private set; }

    /// <summary>Raised when a connection is lost, with the reason.</summary>
    public event Action<string>? Disconnected;

    /// <summary>Raised once a new connection is live and resubscribed: consumers of sequenced feeds must resynchronise.</summary>
    public event Action? Reconnected;

    /// <summary>A malformed frame, an error message from the server, or a handler that threw.</summary>
    public event Action<string>? ProtocolError;

    /// <summary>Starts the connection loop and waits until the first connection is live.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The stream is already started.");
        }

        Interlocked.Exchange(ref _notLiveSinceTimestamp, _time.GetTimestamp());
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        await _firstLive.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribes (now, and again after every reconnect), waiting for the ack when connected. A topic may join up to
    /// 100 symbols with commas (<c>/contractMarket/tickerV2:XBTUSDTM,ETHUSDTM</c>); KuCoin then pushes each symbol under
    /// its own topic, and <paramref name="handler"/> receives them all.
    /// </summary>
    public async Task SubscribeAsync(string topic, Action<KuCoinPush> handler, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(handler);
        foreach (var single in Split(topic))
        {
            _handlers[single] = handler;
        }

        if (State == KuCoinStreamState.Live && _socket is { } socket)
        {
            await SubscribeOnAsync(socket, topic, subscribe: true, ct).ConfigureAwait(false);
        }
    }

    public async Task UnsubscribeAsync(string topic, CancellationToken ct = default)
    {
        var removed = Split(topic).Count(single => _handlers.TryRemove(single, out _));
        if (removed > 0 && State == KuCoinStreamState.Live && _socket is { } socket)
        {
            await SubscribeOnAsync(socket, topic, subscribe: false, ct).ConfigureAwait(false);
        }
    }

    private static IEnumerable<string> Split(string topic)
    {
        var colon = topic.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? [topic]
            : topic[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(symbol => topic[..(colon + 1)] + symbol);
    }

    /// <summary>Every subscription again after a reconnect, joined per topic prefix in requests of at most 100 symbols.</summary>
    private async Task ResubscribeAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var requests = _handlers.Keys
            .GroupBy(t => t.Contains(':', StringComparison.Ordinal) ? t[..t.IndexOf(':', StringComparison.Ordinal)] : t, StringComparer.Ordinal)
            .SelectMany(g => g.Key == g.First() ? [g.Key] : g.Select(t => t[(g.Key.Length + 1)..]).Chunk(100).Select(symbols => g.Key + ":" + string.Join(',', symbols)));
        await Task.WhenAll(requests.Select(r => SubscribeOnAsync(socket, r, subscribe: true, ct))).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var backoff = _options.InitialBackoff;
        var connections = 0;
        while (!stopping.IsCancellationRequested)
        {
            string reason;
            State = KuCoinStreamState.Connecting;
            try
            {
                var (connected, bullet, welcome) = await ConnectAsync(stopping).ConfigureAwait(false);
                using var socket = connected;
                _socket = socket;
                var receive = ReceiveAsync(socket, stopping);
                await welcome.Task.WaitAsync(_options.HandshakeTimeout, _time, stopping).ConfigureAwait(false);
                await ResubscribeAsync(socket, stopping).ConfigureAwait(false);

                State = KuCoinStreamState.Live;
                Interlocked.Exchange(ref _notLiveSinceTimestamp, 0);
                backoff = _options.InitialBackoff;
                if (connections++ > 0)
                {
                    Reconnects++;
                    Reconnected?.Invoke();
                }

                _firstLive.TrySetResult();
                reason = await KeepAliveAsync(socket, bullet, receive, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or TimeoutException or KuCoinApiException or KuCoinProtocolException or Polly.CircuitBreaker.BrokenCircuitException or OperationCanceledException or IOException)
            {
                reason = e.Message;
            }
            finally
            {
                _socket = null;
                foreach (var pending in _pendingAcks.Values)
                {
                    pending.TrySetException(new WebSocketException("The connection was lost before the ack."));
                }

                _pendingAcks.Clear();
            }

            State = KuCoinStreamState.Connecting;
            Interlocked.CompareExchange(ref _notLiveSinceTimestamp, _time.GetTimestamp(), 0);
            Disconnected?.Invoke(reason);
            try
            {
                await Task.Delay(backoff, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        State = KuCoinStreamState.Stopped;
    }

    private TaskCompletionSource? _welcome;

    private async Task<(ClientWebSocket Socket, KuCoinBullet Bullet, TaskCompletionSource Welcome)> ConnectAsync(CancellationToken stopping)
    {
        var bullet = await _rest.GetBulletAsync(_isPrivate, stopping).ConfigureAwait(false);
        var welcome = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _welcome = welcome;
        var connectId = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var uri = new UriBuilder(bullet.Endpoint) { Query = $"token={Uri.EscapeDataString(bullet.Token)}&connectId={connectId}" }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_options.HandshakeTimeout);
            await socket.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
            return (socket, bullet, welcome);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Pings at the server's interval; returns why the connection ended (no pong in time, or the receive loop ended).</summary>
    private async Task<string> KeepAliveAsync(ClientWebSocket socket, KuCoinBullet bullet, Task<string> receive, CancellationToken stopping)
    {
        while (true)
        {
            var tick = Task.Delay(bullet.PingInterval, _time, stopping);
            if (await Task.WhenAny(receive, tick).ConfigureAwait(false) == receive)
            {
                return await receive.ConfigureAwait(false);
            }

            stopping.ThrowIfCancellationRequested();
            var pingedAt = _time.GetTimestamp();
            await SendAsync(socket, $"{{\"id\":\"{NextId()}\",\"type\":\"ping\"}}", stopping).ConfigureAwait(false);
            var deadline = Task.Delay(bullet.PingTimeout, _time, stopping);
            while (Interlocked.Read(ref _lastHeardTimestamp) < pingedAt)
            {
                var poll = Task.Delay(TimeSpan.FromMilliseconds(20), _time, stopping);
                var done = await Task.WhenAny(receive, deadline, poll).ConfigureAwait(false);
                if (done == receive)
                {
                    return await receive.ConfigureAwait(false);
                }

                if (done == deadline && Interlocked.Read(ref _lastHeardTimestamp) < pingedAt)
                {
                    socket.Abort();
                    return string.Create(CultureInfo.InvariantCulture, $"no pong within {bullet.PingTimeout.TotalMilliseconds:0} ms");
                }
            }
        }
    }

    private async Task<string> ReceiveAsync(ClientWebSocket socket, CancellationToken stopping)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            try
            {
                do
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(8192), stopping).ConfigureAwait(false);
                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage);
            }
            catch (WebSocketException e)
            {
                return "connection lost: " + e.Message;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return $"server closed the connection ({socket.CloseStatus} {socket.CloseStatusDescription})";
            }

            Interlocked.Exchange(ref _lastHeardTimestamp, _time.GetTimestamp());
            Dispatch(buffer.WrittenMemory);
        }
    }

    /// <summary>Handles one frame. The document reads the receive buffer in place (no copy); nothing of it outlives the call.</summary>
    internal void Dispatch(ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException e)
        {
            ProtocolError?.Invoke($"malformed frame ({e.Message}): {Excerpt(frame.Span)}");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) ? t.GetString() : null;
            var id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var i) ? (i.ValueKind == JsonValueKind.String ? i.GetString() : i.GetRawText()) : null;
            switch (type)
            {
                case "message":
                    var topic = root.TryGetProperty("topic", out var tp) ? tp.GetString() : null;
                    if (topic is not null && _handlers.TryGetValue(topic, out var handler) && root.TryGetProperty("data", out var data))
                    {
                        var subject = root.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "";
                        try
                        {
                            handler(new KuCoinPush(topic, subject, data));
                        }
#pragma warning disable CA1031 // A consumer's bug must not stop the stream for every other consumer; it is reported instead.
                        catch (Exception e)
#pragma warning restore CA1031
                        {
                            ProtocolError?.Invoke($"handler for {topic} threw {e.GetType().Name}: {e.Message}");
                        }
                    }

                    break;
                case "welcome":
                    _welcome?.TrySetResult();
                    break;
                case "pong":
                    break;
                case "ack":
                    if (id is not null && _pendingAcks.TryRemove(id, out var ack))
                    {
                        ack.TrySetResult();
                    }

                    break;
                case "error":
                    var text = $"server error {(root.TryGetProperty("code", out var c) ? c.GetRawText() : "?")}: {(root.TryGetProperty("data", out var d) ? d.ToString() : "")}";
                    if (id is not null && _pendingAcks.TryRemove(id, out var failed))
                    {
                        failed.TrySetException(new KuCoinProtocolException(text));
                    }
                    else
                    {
                        ProtocolError?.Invoke(text);
                    }

                    break;
                default:
                    ProtocolError?.Invoke($"unexpected frame type '{type}': {Excerpt(frame.Span)}");
                    break;
            }
        }
    }

    private async Task SubscribeOnAsync(ClientWebSocket socket, string topic, bool subscribe, CancellationToken ct)
    {
        var id = NextId();
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingAcks[id] = ack;
        var message = JsonSerializer.Serialize(new SubscribeMessage(id, subscribe ? "subscribe" : "unsubscribe", topic, _isPrivate && IsPrivateTopic(topic), true), SubscribeJson.Default.SubscribeMessage);
        await SendAsync(socket, message, ct).ConfigureAwait(false);
        await ack.Task.WaitAsync(_options.HandshakeTimeout, _time, ct).ConfigureAwait(false);
    }

    private static bool IsPrivateTopic(string topic) =>
        topic.StartsWith("/contractMarket/tradeOrders", StringComparison.Ordinal) || topic.StartsWith("/contractMarket/advancedOrders", StringComparison.Ordinal)
        || topic.StartsWith("/contract/position", StringComparison.Ordinal) || topic.StartsWith("/contractAccount/", StringComparison.Ordinal);

    private async Task SendAsync(ClientWebSocket socket, string message, CancellationToken ct)
    {
        await _sendGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private string NextId() => Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);

    private static string Excerpt(ReadOnlySpan<byte> frame)
    {
        var text = Encoding.UTF8.GetString(frame[..Math.Min(frame.Length, 120)]);
        return frame.Length > 120 ? text + "…" : text;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Abort();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _firstLive.TrySetCanceled();
        _stop.Dispose();
        _sendGate.Dispose();
    }
}

internal sealed record SubscribeMessage(
    [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("topic")] string Topic,
    [property: System.Text.Json.Serialization.JsonPropertyName("privateChannel")] bool PrivateChannel,
    [property: System.Text.Json.Serialization.JsonPropertyName("response")] bool Response);

[System.Text.Json.Serialization.JsonSerializable(typeof(SubscribeMessage))]
internal sealed partial class SubscribeJson : System.Text.Json.Serialization.JsonSerializerContext;
