using System.Globalization;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Exchange.KuCoin.MarketData;

/// <summary>
/// A local full-depth book of one symbol: the level2 topic through a <see cref="Level2Synchronizer"/>, aligned on a REST
/// snapshot whenever the synchronizer asks (at start, after a gap, a crossed book or a reconnect). Readers get the book
/// only while it is live; otherwise they are told it is resynchronising, never handed a wrong one.
/// </summary>
public sealed class KuCoinOrderBookFeed
{
    private readonly string _symbol;
    private readonly KuCoinWebSocketClient _stream;
    private readonly KuCoinRestClient _rest;
    private readonly TimeProvider _time;
    private readonly Level2Synchronizer _sync;
    private readonly Lock _gate = new();
    private int _fetching;

    public KuCoinOrderBookFeed(string symbol, KuCoinWebSocketClient stream, KuCoinRestClient rest, TimeProvider? time = null)
    {
        _symbol = symbol;
        _stream = stream;
        _rest = rest;
        _time = time ?? TimeProvider.System;
        _sync = new Level2Synchronizer(symbol);
    }

    public string Topic => "/contractMarket/level2:" + _symbol;

    public bool IsLive
    {
        get
        {
            lock (_gate)
            {
                return _sync.State == Level2SyncState.Live;
            }
        }
    }

    public int Resyncs
    {
        get
        {
            lock (_gate)
            {
                return _sync.Resyncs;
            }
        }
    }

    public string? LastResyncReason
    {
        get
        {
            lock (_gate)
            {
                return _sync.LastResyncReason;
            }
        }
    }

    /// <summary>Raised after each change applied to a live book, on the stream's thread.</summary>
    public event Action<KuCoinOrderBookFeed>? Updated;

    /// <summary>A snapshot fetch failed; the feed keeps trying.</summary>
    public event Action<string>? Problem;

    /// <summary>
    /// Subscribes, then fetches the first snapshot at once rather than waiting for the first increment: a quiet market
    /// (few changes) would otherwise leave the book unbuilt (ccxt's watchOrderBook hangs exactly so).
    /// </summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        _stream.Reconnected += OnReconnected;
        await _stream.SubscribeAsync(Topic, OnPush, ct).ConfigureAwait(false);
        FetchSnapshot();
    }

    /// <summary>Reads the live book under the feed's lock; returns false (and default) while it resynchronises.</summary>
    public bool TryRead<T>(Func<OrderBook, long, T> read, out T? value)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            if (_sync.State != Level2SyncState.Live)
            {
                value = default;
                return false;
            }

            value = read(_sync.Book, _sync.LastSequence);
            return true;
        }
    }

    private void OnPush(KuCoinPush push)
    {
        var sequence = push.Data.GetProperty("sequence").GetInt64();
        var change = Level2Change.Parse(sequence, push.Data.GetProperty("change").GetString() ?? "");
        Level2Action action;
        bool live;
        lock (_gate)
        {
            action = _sync.OnIncrement(change);
            live = _sync.State == Level2SyncState.Live;
        }

        if (action == Level2Action.FetchSnapshot)
        {
            FetchSnapshot();
        }
        else if (live)
        {
            Updated?.Invoke(this);
        }
    }

    private void OnReconnected()
    {
        lock (_gate)
        {
            _ = _sync.OnReconnect();
        }

        FetchSnapshot();
    }

    /// <summary>One fetch at a time, retried until the synchronizer accepts a snapshot.</summary>
    private void FetchSnapshot()
    {
        if (Interlocked.Exchange(ref _fetching, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var snapshot = await _rest.GetBookSnapshotAsync(_symbol).ConfigureAwait(false);
                        Level2Action action;
                        lock (_gate)
                        {
                            action = _sync.OnSnapshot(snapshot.Sequence, snapshot.Bids, snapshot.Asks);
                        }

                        if (action == Level2Action.None)
                        {
                            Updated?.Invoke(this);
                            return;
                        }
                    }
                    catch (Exception e) when (KuCoinRestClient.IsVenueFailure(e) || e is KuCoinApiException or Polly.CircuitBreaker.BrokenCircuitException)
                    {
                        Problem?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{_symbol}: snapshot attempt {attempt} failed: {e.Message}"));
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), _time).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Exchange(ref _fetching, 0);
                bool again;
                lock (_gate)
                {
                    again = _sync.State != Level2SyncState.Live;
                }

                if (again)
                {
                    FetchSnapshot();
                }
            }
        });
    }
}
