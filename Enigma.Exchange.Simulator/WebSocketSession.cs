using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// One client connection on /endpoint, speaking KuCoin's WebSocket protocol (kucoin-futures-api.md 5.2, 5.3): welcome
/// on connect, pong for every ping, subscribe and unsubscribe with an ack that echoes the id with its JSON type,
/// comma-joined topics split per symbol, private topics only on a connection opened with a private token.
/// </summary>
internal sealed class WebSocketSession
{
    private const int MaxTopicsPerRequest = 100;
    private const int MaxTopicsPerConnection = 300;
    private static long _lastId;

    private readonly WebSocket _socket;
    private readonly Channel<string> _outgoing = Channel.CreateBounded<string>(new BoundedChannelOptions(200_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly FaultInjector _faults;
    private readonly HashSet<string> _symbols;
    private readonly int _idleLimitMs;

    public WebSocketSession(WebSocket socket, string? accountId, string connectId, FaultInjector faults, IEnumerable<string> symbols, int idleLimitMs)
    {
        _socket = socket;
        AccountId = accountId;
        ConnectId = connectId;
        _faults = faults;
        _symbols = symbols.ToHashSet(StringComparer.Ordinal);
        _idleLimitMs = idleLimitMs;
        Id = Interlocked.Increment(ref _lastId);
    }

    public long Id { get; }

    public string? AccountId { get; }

    public string ConnectId { get; }

    public bool Wants(Push push)
    {
        if (push.IsPrivate && push.AccountId != AccountId)
        {
            return false;
        }

        lock (_gate)
        {
            return _topics.Contains(push.Topic);
        }
    }

    public void Deliver(Push push, string json)
    {
        if (push.IsLevel2 && _faults.Roll(_faults.Settings.SkipLevel2Share))
        {
            return;
        }

        if (_faults.Roll(_faults.Settings.MalformedFrameShare))
        {
            json = json[..(json.Length / 2)];
        }

        if (!_outgoing.Writer.TryWrite(json))
        {
            // A client this far behind has lost data anyway: close it, as KuCoin does, and let it resynchronise.
            Abort();
        }
    }

    /// <summary>Drops the connection without a close handshake (the fault "drop WebSocket connections").</summary>
    public void Abort() => _socket.Abort();

    public async Task RunAsync(CancellationToken stopping)
    {
        Send(KuCoinJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", ConnectId);
            w.WriteString("type", "welcome");
            w.WriteEndObject();
        }));
        var writer = WriteAsync(stopping);
        try
        {
            await ReadAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the simulator stops.
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    private void Send(string json) => _outgoing.Writer.TryWrite(json);

    private async Task WriteAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var json in _outgoing.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, stopping).ConfigureAwait(false);
            }

            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", stopping).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    private async Task ReadAsync(CancellationToken stopping)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (_socket.State == WebSocketState.Open)
        {
            buffer.Clear();
            ValueWebSocketReceiveResult result;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            idle.CancelAfter(_idleLimitMs);
            try
            {
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(4096), idle.Token).ConfigureAwait(false);
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > 64 * 1024)
                    {
                        Error(null, 400, "message too large");
                        return;
                    }
                }
                while (!result.EndOfMessage);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                Error(null, 400, "ping timeout");
                return;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            Handle(buffer.WrittenSpan);
        }
    }

    private void Handle(ReadOnlySpan<byte> message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.ToArray());
        }
        catch (JsonException e)
        {
            Error(null, 400, $"message is not JSON: {e.Message}");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error(null, 400, "message must be a JSON object");
                return;
            }

            JsonElement? id = root.TryGetProperty("id", out var i) ? i.Clone() : null;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            switch (type)
            {
                case "ping":
                    Reply(id, "pong");
                    break;
                case "subscribe":
                case "unsubscribe":
                    Subscribe(root, id, type == "subscribe");
                    break;
                default:
                    Error(id, 415, $"unknown message type '{type}'");
                    break;
            }
        }
    }

    private void Subscribe(JsonElement root, JsonElement? id, bool subscribe)
    {
        var topic = root.TryGetProperty("topic", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (string.IsNullOrWhiteSpace(topic))
        {
            Error(id, 406, "topic required");
            return;
        }

        var colon = topic.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon < 0 ? topic : topic[..colon];
        var isPrivate = Topics.PrivatePrefixes.TryGetValue(prefix, out var takesSymbol);
        if (!isPrivate && !Topics.PublicPrefixes.Contains(prefix))
        {
            Error(id, 404, $"topic {topic} does not exist");
            return;
        }

        if (isPrivate && AccountId is null)
        {
            Error(id, 403, $"topic {topic} is private: open the connection with a private token");
            return;
        }

        var expanded = new List<string>();
        if (colon < 0)
        {
            if (!isPrivate || takesSymbol)
            {
                Error(id, 400, $"topic {topic} needs a symbol (e.g. {prefix}:XBTUSDTM)");
                return;
            }

            expanded.Add(topic);
        }
        else
        {
            foreach (var part in topic[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var symbol = prefix == "/contractMarket/limitCandle" ? part.Split('_')[0] : part;
                if (!_symbols.Contains(symbol) || (prefix == "/contractMarket/limitCandle" && !ReplayFeed.CandleTypes.Any(c => part.EndsWith("_" + c.Type, StringComparison.Ordinal))))
                {
                    Error(id, 404, $"topic {prefix}:{part} does not exist");
                    return;
                }

                expanded.Add($"{prefix}:{part}");
            }
        }

        if (expanded.Count > MaxTopicsPerRequest)
        {
            Error(id, 509, "exceed max subscription count limitation of 100 per time");
            return;
        }

        lock (_gate)
        {
            if (subscribe && _topics.Count + expanded.Count > MaxTopicsPerConnection)
            {
                Error(id, 509, "exceed max subscription count limitation of 300 per session");
                return;
            }

            foreach (var one in expanded)
            {
                if (subscribe)
                {
                    _topics.Add(one);
                }
                else
                {
                    _topics.Remove(one);
                }
            }
        }

        var response = root.TryGetProperty("response", out var r) && (r.ValueKind == JsonValueKind.True || (r.ValueKind == JsonValueKind.String && r.GetString() == "true"));
        if (response)
        {
            Reply(id, "ack");
        }
    }

    private void Reply(JsonElement? id, string type) => Send(KuCoinJson.Write(w =>
    {
        w.WriteStartObject();
        WriteId(w, id);
        w.WriteString("type", type);
        if (type == "pong")
        {
            w.WriteNumber("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        w.WriteEndObject();
    }));

    private void Error(JsonElement? id, int code, string text) => Send(KuCoinJson.Write(w =>
    {
        w.WriteStartObject();
        WriteId(w, id);
        w.WriteString("type", "error");
        w.WriteNumber("code", code);
        w.WriteString("data", text);
        w.WriteEndObject();
    }));

    /// <summary>The id goes back with the JSON type it came with: the universal SDK matches acks by exact string, kucoin-api sends numbers.</summary>
    private void WriteId(Utf8JsonWriter w, JsonElement? id)
    {
        w.WritePropertyName("id");
        if (id is { } value)
        {
            value.WriteTo(w);
        }
        else
        {
            w.WriteStringValue(ConnectId);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"session {Id} ({(AccountId is null ? "public" : "private")})");
}
