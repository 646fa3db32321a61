using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.MarketData;
using FsCheck.Xunit;

namespace Enigma.Tests.Exchange.KuCoin;

public sealed class Level2SynchronizerSpecs
{
    private static Level2Change Change(long sequence, string text) => Level2Change.Parse(sequence, text);

    private static BookLevel[] Bids => [new(100.0m, 5), new(99.9m, 7)];

    private static BookLevel[] Asks => [new(100.1m, 4), new(100.2m, 9)];

    [Fact]
    public void Buffered_increments_must_be_aligned_on_the_snapshot_and_applied_in_order()
    {
        var sync = new Level2Synchronizer("XBTUSDTM");
        Assert.Equal(Level2Action.FetchSnapshot, sync.OnIncrement(Change(101, "100.0,buy,6")));
        Assert.Equal(Level2Action.None, sync.OnIncrement(Change(102, "100.1,sell,0")));
        Assert.Equal(Level2Action.None, sync.OnIncrement(Change(103, "99.8,buy,3")));
        Assert.Equal(Level2SyncState.AwaitingSnapshot, sync.State);

        // The snapshot already contains #101; #102 and #103 follow it.
        Assert.Equal(Level2Action.None, sync.OnSnapshot(101, [new(100.0m, 6), new(99.9m, 7)], Asks));
        Assert.Equal((Level2SyncState.Live, 103L), (sync.State, sync.LastSequence));
        Assert.Equal(new BookLevel(100.0m, 6), sync.Book.BestBid);
        Assert.Equal(new BookLevel(100.2m, 9), sync.Book.BestAsk);
        Assert.Equal(3, sync.Book.BidCount);
    }

    [Fact]
    public void A_snapshot_older_than_the_buffered_feed_must_be_refused()
    {
        var sync = new Level2Synchronizer("XBTUSDTM");
        sync.OnIncrement(Change(110, "100.0,buy,6"));
        Assert.Equal(Level2Action.FetchSnapshot, sync.OnSnapshot(100, Bids, Asks));
        Assert.Equal(Level2SyncState.AwaitingSnapshot, sync.State);
        Assert.Contains("older than buffered #110", sync.LastResyncReason, StringComparison.Ordinal);
        Assert.Equal(Level2Action.None, sync.OnSnapshot(110, Bids, Asks));
        Assert.Equal(Level2SyncState.Live, sync.State);
    }

    [Fact]
    public void Duplicates_must_be_ignored_and_a_gap_must_throw_the_book_away()
    {
        var sync = new Level2Synchronizer("XBTUSDTM");
        sync.OnIncrement(Change(1, "100.0,buy,1"));
        sync.OnSnapshot(1, Bids, Asks);
        Assert.Equal(Level2Action.None, sync.OnIncrement(Change(2, "99.9,buy,0")));
        Assert.Equal(Level2Action.None, sync.OnIncrement(Change(2, "99.9,buy,50")));
        Assert.Equal(1, sync.Book.BidCount);

        Assert.Equal(Level2Action.FetchSnapshot, sync.OnIncrement(Change(4, "99.5,buy,1")));
        Assert.Equal((Level2SyncState.AwaitingSnapshot, 0, 0), (sync.State, sync.Book.BidCount, sync.Book.AskCount));
        Assert.Equal("gap: expected #3, got #4", sync.LastResyncReason);
        Assert.Equal(Level2Action.None, sync.OnSnapshot(3, Bids, Asks));
        Assert.Equal((Level2SyncState.Live, 4L, 3), (sync.State, sync.LastSequence, sync.Book.BidCount));
    }

    [Fact]
    public void A_crossed_book_or_a_reconnect_must_force_a_new_snapshot()
    {
        var sync = new Level2Synchronizer("XBTUSDTM");
        sync.OnIncrement(Change(1, "100.0,buy,1"));
        sync.OnSnapshot(1, Bids, Asks);
        Assert.Equal(Level2Action.FetchSnapshot, sync.OnIncrement(Change(2, "100.5,buy,3")));
        Assert.StartsWith("crossed book", sync.LastResyncReason, StringComparison.Ordinal);

        sync.OnSnapshot(2, Bids, Asks);
        Assert.Equal(Level2Action.FetchSnapshot, sync.OnReconnect());
        Assert.Equal(Level2SyncState.AwaitingSnapshot, sync.State);
        Assert.Equal(2, sync.Resyncs);
    }

    [Theory]
    [InlineData("100.0,buy")]
    [InlineData("abc,buy,1")]
    [InlineData("100.0,bid,1")]
    [InlineData("-1,sell,1")]
    [InlineData("100.0,sell,-2")]
    public void A_malformed_change_must_be_refused_with_its_sequence_and_text(string text)
    {
        var error = Assert.Throws<FormatException>(() => Level2Change.Parse(77, text));
        Assert.Contains($"#77 '{text}'", error.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 200)]
    public void A_live_book_must_equal_the_exchanges_whatever_the_feed_drops_or_repeats(int seed)
    {
        var random = new Random(seed);
        var truth = new SortedDictionary<(BookSide, decimal), decimal>();
        var sync = new Level2Synchronizer("XBTUSDTM");
        var pendingSnapshot = false;
        var history = new Dictionary<long, (int Bids, int Asks, BookLevel? BestBid)>();
        for (long sequence = 1; sequence <= 400; sequence++)
        {
            // The exchange's book changes: bids below 100, asks above, so it never crosses.
            var side = random.Next(2) == 0 ? BookSide.Bid : BookSide.Ask;
            var price = side == BookSide.Bid ? 100m - (random.Next(1, 30) / 10m) : 100m + (random.Next(1, 30) / 10m);
            var lots = random.Next(4) == 0 ? 0 : random.Next(1, 100);
            if (lots == 0)
            {
                truth.Remove((side, price));
            }
            else
            {
                truth[(side, price)] = lots;
            }

            var bestBid = truth.Where(l => l.Key.Item1 == BookSide.Bid).Select(l => (BookLevel?)new BookLevel(l.Key.Item2, l.Value)).MaxBy(l => l!.Value.Price);
            history[sequence] = (truth.Count(l => l.Key.Item1 == BookSide.Bid), truth.Count(l => l.Key.Item1 == BookSide.Ask), bestBid);
            var change = new Level2Change(sequence, side, price, lots);
            var roll = random.Next(100);
            var actions = new List<Level2Action>();
            if (roll >= 3)
            {
                actions.Add(sync.OnIncrement(change));
            }

            if (roll >= 95)
            {
                actions.Add(sync.OnIncrement(change));
            }

            pendingSnapshot |= actions.Contains(Level2Action.FetchSnapshot);
            if (pendingSnapshot && random.Next(3) == 0)
            {
                pendingSnapshot = false;
                BookLevel[] bids = [.. truth.Where(l => l.Key.Item1 == BookSide.Bid).OrderByDescending(l => l.Key.Item2).Select(l => new BookLevel(l.Key.Item2, l.Value))];
                BookLevel[] asks = [.. truth.Where(l => l.Key.Item1 == BookSide.Ask).OrderBy(l => l.Key.Item2).Select(l => new BookLevel(l.Key.Item2, l.Value))];
                pendingSnapshot = sync.OnSnapshot(sequence, bids, asks) == Level2Action.FetchSnapshot;
            }

            if (sync.State == Level2SyncState.Live)
            {
                // A dropped change is only noticed when the next one arrives (and several may drop in a row), so the
                // book must equal the exchange's as of the last change it applied.
                Assert.InRange(sync.LastSequence, 1, sequence);
                var expected = history[sync.LastSequence];
                Assert.Equal((expected.Bids, expected.Asks, expected.BestBid), (sync.Book.BidCount, sync.Book.AskCount, sync.Book.BestBid));
            }
        }
    }
}
