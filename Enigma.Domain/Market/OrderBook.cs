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
/// the exchange's exactly. Each side is a sorted set of prices (its <c>Min</c> is the best level, read without
/// allocating) and a dictionary of sizes, so the per-change best-price check a synchronizer makes costs no garbage.
/// </summary>
public sealed class OrderBook
{
    private static readonly IComparer<decimal> Descending = Comparer<decimal>.Create((a, b) => b.CompareTo(a));
    private readonly Side _bids = new(Descending);
    private readonly Side _asks = new(Comparer<decimal>.Default);

    public int BidCount => _bids.Count;

    public int AskCount => _asks.Count;

    public BookLevel? BestBid => _bids.Best;

    public BookLevel? BestAsk => _asks.Best;

    /// <summary>The best bid at or above the best ask: a book that cannot be right.</summary>
    public bool IsCrossed => _bids.Count > 0 && _asks.Count > 0 && _bids.BestPrice >= _asks.BestPrice;

    /// <summary>Sets the size at a price (zero or less removes the level).</summary>
    public void Set(BookSide side, decimal price, decimal lots) => (side == BookSide.Bid ? _bids : _asks).Set(price, lots);

    public void Clear()
    {
        _bids.Clear();
        _asks.Clear();
    }

    /// <summary>Copies up to <paramref name="into"/>.Length best levels of a side; returns how many there were.</summary>
    public int Top(BookSide side, Span<BookLevel> into) => (side == BookSide.Bid ? _bids : _asks).Top(into);

    private sealed class Side(IComparer<decimal> order)
    {
        private readonly SortedSet<decimal> _prices = new(order);
        private readonly Dictionary<decimal, decimal> _sizes = [];

        public int Count => _sizes.Count;

        /// <summary>The best price: the set's first element in its own order (highest bid, lowest ask).</summary>
        public decimal BestPrice => _prices.Min;

        public BookLevel? Best => _sizes.Count == 0 ? null : new BookLevel(_prices.Min, _sizes[_prices.Min]);

        public void Set(decimal price, decimal lots)
        {
            if (lots <= 0)
            {
                if (_sizes.Remove(price))
                {
                    _prices.Remove(price);
                }
            }
            else if (_sizes.TryAdd(price, lots))
            {
                _prices.Add(price);
            }
            else
            {
                _sizes[price] = lots;
            }
        }

        public void Clear()
        {
            _prices.Clear();
            _sizes.Clear();
        }

        public int Top(Span<BookLevel> into)
        {
            var count = 0;
            foreach (var price in _prices)
            {
                if (count == into.Length)
                {
                    break;
                }

                into[count++] = new BookLevel(price, _sizes[price]);
            }

            return count;
        }
    }
}
