using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

/// <summary>How deep and how thick the replayed market's book is.</summary>
public sealed record BookShape
{
    /// <summary>Levels per side (KuCoin clients expect at least 20).</summary>
    public int LevelsPerSide { get; init; } = 25;

    /// <summary>Distance between the deeper levels as a fraction of price (2 bp), so a side spans about half a percent.</summary>
    public decimal LevelSpacing { get; init; } = 0.0002m;

    /// <summary>Average quote value resting at one level.</summary>
    public decimal LevelNotional { get; init; } = 50_000m;
}

/// <summary>
/// The public book of a replayed market: the best bid on the tick below (or at) the price, the best ask one tick
/// above it, and deeper levels on a fixed grid of <see cref="BookShape.LevelSpacing"/>. A level's size is a stable
/// hash of its price, so a small move changes only the levels it uncovers or covers, which keeps the level2 feed as
/// sparse as a real one. Taker orders consume levels (the depletion lasts until the level leaves the book); resting
/// orders of accounts are shown on top of the market's own liquidity.
/// </summary>
internal sealed class SyntheticOrderBook
{
    private readonly ContractSpec _contract;
    private readonly BookShape _shape;
    private readonly int _seed;
    private readonly Dictionary<decimal, decimal> _depletedBids = [];
    private readonly Dictionary<decimal, decimal> _depletedAsks = [];
    private readonly Dictionary<decimal, long> _accountBids = [];
    private readonly Dictionary<decimal, long> _accountAsks = [];
    private Dictionary<decimal, decimal> _publishedBids = [];
    private Dictionary<decimal, decimal> _publishedAsks = [];
    private decimal _gridStep;
    private long _baseLots;
    private readonly List<decimal> _leaving = [];
    private decimal _price;

    public SyntheticOrderBook(ContractSpec contract, BookShape shape, int seed)
    {
        _contract = contract;
        _shape = shape;
        _seed = seed;
    }

    public decimal Price => _price;

    /// <summary>
    /// Whether the book works out what a client would see change after each take and resting order (the published
    /// levels, <see cref="TopBid"/>, <see cref="TopAsk"/>, <see cref="Snapshot"/>). A backtest's book is watched by
    /// nobody and skips that work; what an order takes is the same either way.
    /// </summary>
    public bool Publishes { get; init; } = true;

    public decimal BestBid => _price == 0 ? 0 : _contract.FloorToTick(_price);

    public decimal BestAsk => _price == 0 ? 0 : _contract.FloorToTick(_price) + _contract.TickSize;

    /// <summary>The book as published, best first on each side.</summary>
    public (BookLevel[] Bids, BookLevel[] Asks) Snapshot() =>
        (_publishedBids.OrderByDescending(l => l.Key).Select(l => new BookLevel(l.Key, l.Value)).ToArray(),
         _publishedAsks.OrderBy(l => l.Key).Select(l => new BookLevel(l.Key, l.Value)).ToArray());

    public BookLevel TopBid => _publishedBids.Count == 0 ? default : _publishedBids.MaxBy(l => l.Key) is var best ? new BookLevel(best.Key, best.Value) : default;

    public BookLevel TopAsk => _publishedAsks.Count == 0 ? default : _publishedAsks.MinBy(l => l.Key) is var best ? new BookLevel(best.Key, best.Value) : default;

    /// <summary>Moves the market to <paramref name="price"/> and appends the levels that changed.</summary>
    public void MoveTo(decimal price, List<(BookSide Side, decimal Price, decimal Lots)> changes)
    {
        FixGrid(price);
        _price = price;
        Republish(changes);
    }

    /// <summary>
    /// Moves the market to <paramref name="price"/> without working out what a client would see change (nobody
    /// watches a backtest's book): the levels an order takes are still computed from the price, and liquidity taken
    /// from levels that left the window is still forgotten. The published book catches up at the next change.
    /// </summary>
    public void MoveQuietly(decimal price)
    {
        FixGrid(price);
        _price = price;
        Forget(BookSide.Bid);
        Forget(BookSide.Ask);
    }

    /// <summary>
    /// A taker order of <paramref name="lots"/> walks the market's liquidity on the opposite side up to
    /// <paramref name="limit"/> (none for a market order); appends each (price, lots) it took and the levels that changed.
    /// </summary>
    public long Take(OrderSide takerSide, long lots, decimal? limit, List<(decimal Price, long Lots)> fills, List<(BookSide Side, decimal Price, decimal Lots)> changes)
    {
        var side = takerSide == OrderSide.Buy ? BookSide.Ask : BookSide.Bid;
        var depleted = side == BookSide.Ask ? _depletedAsks : _depletedBids;
        var taken = 0L;
        foreach (var (price, available) in MarketLevels(side))
        {
            if (taken == lots || (limit is { } l && (takerSide == OrderSide.Buy ? price > l : price < l)))
            {
                break;
            }

            var take = Math.Min(lots - taken, available);
            if (take <= 0)
            {
                continue;
            }

            fills.Add((price, take));
            taken += take;
            depleted[price] = depleted.GetValueOrDefault(price) + take;
        }

        if (taken > 0 && Publishes)
        {
            Republish(changes);
        }

        return taken;
    }

    /// <summary>An account's resting order adds (or, negative, removes) lots at its price.</summary>
    public void ChangeAccountLots(BookSide side, decimal price, long delta, List<(BookSide Side, decimal Price, decimal Lots)> changes)
    {
        var lots = side == BookSide.Bid ? _accountBids : _accountAsks;
        var now = lots.GetValueOrDefault(price) + delta;
        if (now <= 0)
        {
            lots.Remove(price);
        }
        else
        {
            lots[price] = now;
        }

        if (Publishes)
        {
            Republish(changes);
        }
    }

    private void Republish(List<(BookSide Side, decimal Price, decimal Lots)> changes)
    {
        if (_price == 0)
        {
            return;
        }

        var bids = Desired(BookSide.Bid);
        var asks = Desired(BookSide.Ask);

        // Removals first, then sizes and new levels: the book after every single change is a subset of either the old
        // or the new book, so a client applying the changes one by one never sees it crossed.
        var start = changes.Count;
        Diff(BookSide.Bid, _publishedBids, bids, changes);
        Diff(BookSide.Ask, _publishedAsks, asks, changes);
        changes.Sort(start, changes.Count - start, Comparer<(BookSide Side, decimal Price, decimal Lots)>.Create((a, b) =>
            a.Lots == 0 && b.Lots != 0 ? -1 : a.Lots != 0 && b.Lots == 0 ? 1 : a.Side != b.Side ? a.Side.CompareTo(b.Side) : a.Price.CompareTo(b.Price)));
        _publishedBids = bids;
        _publishedAsks = asks;
        Forget(BookSide.Bid);
        Forget(BookSide.Ask);
    }

    private Dictionary<decimal, decimal> Desired(BookSide side)
    {
        var levels = new Dictionary<decimal, decimal>();
        foreach (var (price, lots) in MarketLevels(side))
        {
            if (lots > 0)
            {
                levels[price] = lots;
            }
        }

        // Accounts' resting orders show on top of the market's own liquidity, unless the market has moved through them
        // (their fill waits for traded volume): a published book is never crossed.
        var accounts = side == BookSide.Bid ? _accountBids : _accountAsks;
        foreach (var (price, lots) in accounts)
        {
            var behindTop = side == BookSide.Bid ? price < BestAsk : price > BestBid;
            if (behindTop)
            {
                levels[price] = levels.GetValueOrDefault(price) + lots;
            }
        }

        return levels;
    }

    /// <summary>The market's own levels on one side, best first, with what is left of each after takers.</summary>
    private IEnumerable<(decimal Price, long Lots)> MarketLevels(BookSide side)
    {
        var depleted = side == BookSide.Bid ? _depletedBids : _depletedAsks;
        var top = side == BookSide.Bid ? BestBid : BestAsk;
        var price = top;
        for (var i = 0; i < _shape.LevelsPerSide; i++)
        {
            yield return (price, Math.Max(0, SizeAt(price) - (long)depleted.GetValueOrDefault(price)));
            price = side == BookSide.Bid ? NextGridBelow(price) : NextGridAbove(price);
        }
    }

    private decimal NextGridBelow(decimal price) => (decimal.Ceiling(price / _gridStep) - 1) * _gridStep;

    private decimal NextGridAbove(decimal price) => (decimal.Floor(price / _gridStep) + 1) * _gridStep;

    /// <summary>The grid and the level size are fixed from the first price, so levels keep their size as the market moves.</summary>
    private void FixGrid(decimal price)
    {
        if (_gridStep == 0)
        {
            _gridStep = Math.Max(_contract.TickSize, _contract.FloorToTick(price * _shape.LevelSpacing));
            _baseLots = Math.Max(1, (long)_contract.LotsWorth(_shape.LevelNotional, price));
        }
    }

    /// <summary>A stable size for a price: half to one and a half times the base, from a hash of price and seed.</summary>
    private long SizeAt(decimal price)
    {
        var hash = (uint)StableHash.Combine(_seed, _contract.TickIndex(price));
        var unit = (hash % 1000) / 1000m;
        return Math.Max(1, (long)(_baseLots * (0.5m + unit)));
    }

    private static void Diff(BookSide side, Dictionary<decimal, decimal> before, Dictionary<decimal, decimal> after, List<(BookSide, decimal, decimal)> changes)
    {
        foreach (var (price, _) in before)
        {
            if (!after.ContainsKey(price))
            {
                changes.Add((side, price, 0));
            }
        }

        foreach (var (price, lots) in after)
        {
            if (!before.TryGetValue(price, out var old) || old != lots)
            {
                changes.Add((side, price, lots));
            }
        }
    }

    /// <summary>Depletion lasts while the level stays in the book's window; a level that leaves it comes back whole.</summary>
    private void Forget(BookSide side)
    {
        var depleted = side == BookSide.Bid ? _depletedBids : _depletedAsks;
        if (depleted.Count == 0)
        {
            return;
        }

        // The window is the top level and the next LevelsPerSide - 1 grid prices beyond it (see MarketLevels): the
        // i-th bid below the top b is (⌈b/step⌉ − i) × step, the i-th ask above the top a is (⌊a/step⌋ + i) × step.
        // Checked arithmetically: this runs at every price of a backtest.
        var top = side == BookSide.Bid ? BestBid : BestAsk;
        var far = side == BookSide.Bid
            ? (decimal.Ceiling(top / _gridStep) - (_shape.LevelsPerSide - 1)) * _gridStep
            : (decimal.Floor(top / _gridStep) + (_shape.LevelsPerSide - 1)) * _gridStep;
        _leaving.Clear();
        foreach (var price in depleted.Keys)
        {
            var inside = price == top || (_shape.LevelsPerSide > 1 && price % _gridStep == 0
                && (side == BookSide.Bid ? price < top && price >= far : price > top && price <= far));
            if (!inside)
            {
                _leaving.Add(price);
            }
        }

        foreach (var price in _leaving)
        {
            depleted.Remove(price);
        }
    }
}
