using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Exchange.KuCoin.MarketData;

/// <summary>One level-2 change: <c>"price,side,size"</c> with side <c>buy</c> (bid) or <c>sell</c> (ask) and the new absolute size.</summary>
public readonly record struct Level2Change(long Sequence, BookSide Side, decimal Price, decimal Lots)
{
    /// <summary>Parses a <c>/contractMarket/level2</c> change; a malformed one is an error naming the sequence and the text.</summary>
    public static Level2Change Parse(long sequence, string change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var parts = change.Split(',');
        if (parts.Length != 3
            || !decimal.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price <= 0
            || !decimal.TryParse(parts[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var lots)
            || parts[1] is not ("buy" or "sell"))
        {
            throw new FormatException($"level2 change #{sequence} '{change}' is not 'price,buy|sell,size' with a positive price and a non-negative size.");
        }

        return new Level2Change(sequence, parts[1] == "buy" ? BookSide.Bid : BookSide.Ask, price, lots);
    }
}

public enum Level2SyncState
{
    /// <summary>Increments are buffered until a snapshot aligns with them.</summary>
    AwaitingSnapshot,

    /// <summary>The book is complete and every increment so far has been applied in sequence.</summary>
    Live,
}

/// <summary>What the caller must do after feeding the synchronizer.</summary>
public enum Level2Action
{
    None,

    /// <summary>Fetch a full snapshot (<c>GET /api/v1/level2/snapshot</c>) and pass it to <see cref="Level2Synchronizer.OnSnapshot"/>.</summary>
    FetchSnapshot,
}

/// <summary>
/// Keeps a local book in step with KuCoin's full-depth level-2 feed (kucoin-futures-api.md 5.7): buffer increments,
/// align a full snapshot on its sequence, apply increments strictly in sequence, ignore duplicates, and on a gap, a
/// crossed book, a too-old snapshot or a reconnect throw the book away and ask for a new snapshot. The book is never
/// silently wrong: while it is not <see cref="Level2SyncState.Live"/> it must not be used.
/// </summary>
public sealed class Level2Synchronizer
{
    private readonly Queue<Level2Change> _buffer = new();
    private readonly int _maxBuffered;
    private bool _snapshotRequested;

    public Level2Synchronizer(string symbol, int maxBuffered = 100_000)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        Symbol = symbol;
        _maxBuffered = maxBuffered;
    }

    public string Symbol { get; }

    public OrderBook Book { get; } = new();

    public Level2SyncState State { get; private set; } = Level2SyncState.AwaitingSnapshot;

    /// <summary>Sequence of the last change applied to the book.</summary>
    public long LastSequence { get; private set; }

    /// <summary>Times the book was thrown away and rebuilt, and the last reason.</summary>
    public int Resyncs { get; private set; }

    public string? LastResyncReason { get; private set; }

    public Level2Action OnIncrement(in Level2Change change)
    {
        if (State == Level2SyncState.AwaitingSnapshot)
        {
            if (_buffer.Count == _maxBuffered)
            {
                _buffer.Dequeue();
            }

            _buffer.Enqueue(change);
            return RequestSnapshotOnce();
        }

        if (change.Sequence <= LastSequence)
        {
            return Level2Action.None;
        }

        if (change.Sequence != LastSequence + 1)
        {
            return Resync(change, string.Create(CultureInfo.InvariantCulture, $"gap: expected #{LastSequence + 1}, got #{change.Sequence}"));
        }

        Apply(change);
        return Book.IsCrossed ? Resync(null, string.Create(CultureInfo.InvariantCulture, $"crossed book after #{change.Sequence}")) : Level2Action.None;
    }

    /// <summary>Takes a full snapshot (bids best first, asks best first) taken at <paramref name="sequence"/>.</summary>
    public Level2Action OnSnapshot(long sequence, ReadOnlySpan<BookLevel> bids, ReadOnlySpan<BookLevel> asks)
    {
        _snapshotRequested = false;
        while (_buffer.Count > 0 && _buffer.Peek().Sequence <= sequence)
        {
            _buffer.Dequeue();
        }

        if (_buffer.Count > 0 && _buffer.Peek().Sequence > sequence + 1)
        {
            // The feed has already moved past the snapshot: it is too old to build on.
            Resyncs++;
            LastResyncReason = string.Create(CultureInfo.InvariantCulture, $"snapshot #{sequence} older than buffered #{_buffer.Peek().Sequence}");
            return RequestSnapshotOnce();
        }

        Book.Clear();
        foreach (var level in bids)
        {
            Book.Set(BookSide.Bid, level.Price, level.Lots);
        }

        foreach (var level in asks)
        {
            Book.Set(BookSide.Ask, level.Price, level.Lots);
        }

        LastSequence = sequence;
        State = Level2SyncState.Live;
        while (_buffer.Count > 0)
        {
            var next = _buffer.Dequeue();
            if (OnIncrement(next) == Level2Action.FetchSnapshot)
            {
                return Level2Action.FetchSnapshot;
            }
        }

        return Book.IsCrossed ? Resync(null, string.Create(CultureInfo.InvariantCulture, $"snapshot #{sequence} is crossed")) : Level2Action.None;
    }

    /// <summary>After a reconnect the feed missed changes: always rebuild from a snapshot.</summary>
    public Level2Action OnReconnect() => Resync(null, "reconnected");

    private void Apply(in Level2Change change)
    {
        Book.Set(change.Side, change.Price, change.Lots);
        LastSequence = change.Sequence;
    }

    private Level2Action Resync(Level2Change? keep, string reason)
    {
        Resyncs++;
        LastResyncReason = reason;
        State = Level2SyncState.AwaitingSnapshot;
        Book.Clear();
        _buffer.Clear();
        if (keep is { } change)
        {
            _buffer.Enqueue(change);
        }

        _snapshotRequested = false;
        return RequestSnapshotOnce();
    }

    private Level2Action RequestSnapshotOnce()
    {
        if (_snapshotRequested)
        {
            return Level2Action.None;
        }

        _snapshotRequested = true;
        return Level2Action.FetchSnapshot;
    }
}
