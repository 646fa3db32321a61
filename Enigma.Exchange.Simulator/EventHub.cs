using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// Hands the venue's events, in order, to every WebSocket session. One reader routes them, so a session sees the
/// events of a symbol in the order they happened, and a slow session never holds up the venue.
/// </summary>
internal sealed class EventHub : IAsyncDisposable
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, WebSocketSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _router;
    private int _backlog;

    private readonly Func<string, Enigma.Domain.Market.ContractSpec> _contract;

    public EventHub(Func<string, Enigma.Domain.Market.ContractSpec> contract)
    {
        _contract = contract;
        _router = Task.Run(RouteAsync);
    }

    public int SessionCount => _sessions.Count;

    /// <summary>Events published and not yet routed: a backlog that grows means the sessions cannot keep up.</summary>
    public int Backlog => Volatile.Read(ref _backlog);

    public IEnumerable<WebSocketSession> Sessions => _sessions.Values;

    public void Publish(IEnumerable<object> events)
    {
        foreach (var e in events)
        {
            Interlocked.Increment(ref _backlog);
            _events.Writer.TryWrite(e);
        }
    }

    public void Add(WebSocketSession session) => _sessions[session.Id] = session;

    public void Remove(WebSocketSession session) => _sessions.TryRemove(session.Id, out _);

    private async Task RouteAsync()
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                Interlocked.Decrement(ref _backlog);
                if (_sessions.IsEmpty)
                {
                    continue;
                }

                var pushes = Topics.For(e, _contract);
                foreach (var push in pushes)
                {
                    string? json = null;
                    foreach (var session in _sessions.Values)
                    {
                        if (session.Wants(push))
                        {
                            json ??= push.Render();
                            session.Deliver(push, json);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        await _router.ConfigureAwait(false);
        _stop.Dispose();
    }
}
