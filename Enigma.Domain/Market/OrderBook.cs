namespace Enigma.Domain.Market;

/// <summary>One price level of an L2 book: a price and the lots resting there.</summary>
public readonly record struct BookLevel(decimal Price, decimal Lots);

public enum BookSide
{
    Bid,
    Ask,
}

/// <summary>
/// A price-aggregated L2 book: bids best (highest) first, asks best (lowest) first. A level's size is absolute (an
/// update replaces it; zero removes it), as exchanges publish level-2 changes. Prices stay decimal so levels match
/// the exchange's exactly.
/// </summary>
public sealed class OrderBook
{
    private static readonly IComparer<decimal> Descending = Comparer<decimal>.Create((a, b) => b.CompareTo(a));
    private readonly SortedDictionary<decimal, decimal> _bids = new(Descending);
    private readonly SortedDictionary<decimal, decimal> _asks = new();

    public int BidCount => _bids.Count;

    public int AskCount => _asks.Count;

    public BookLevel? BestBid => First(_bids);

    public BookLevel? BestAsk => First(_asks);

    /// <summary>The best bid at or above the best ask: a book that cannot be right.</summary>
    public bool IsCrossed => BestBid is { } bid && BestAsk is { } ask && bid.Price >= ask.Price;

    /// <summary>Sets the size at a price (zero or less removes the level).</summary>
    public void Set(BookSide side, decimal price, decimal lots)
    {
        var levels = side == BookSide.Bid ? _bids : _asks;
        if (lots <= 0)
        {
            levels.Remove(price);
        }
        else
        {
            levels[price] = lots;
        }
    }

    public void Clear()
    {
        _bids.Clear();
        _asks.Clear();
    }

    /// <summary>Copies up to <paramref name="into"/>.Length best levels of a side; returns how many there were.</summary>
    public int Top(BookSide side, Span<BookLevel> into)
    {
        var count = 0;
        foreach (var (price, lots) in side == BookSide.Bid ? _bids : _asks)
        {
            if (count == into.Length)
            {
                break;
            }

            into[count++] = new BookLevel(price, lots);
        }

        return count;
    }

    private static BookLevel? First(SortedDictionary<decimal, decimal> levels)
    {
        foreach (var (price, lots) in levels)
        {
            return new BookLevel(price, lots);
        }

        return null;
    }
}
