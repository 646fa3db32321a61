using BenchmarkDotNet.Attributes;
using Enigma.Exchange.KuCoin.MarketData;

namespace Enigma.Benchmarks;

/// <summary>
/// Level-2 increments applied to a live local book of 200 levels per side (goal: 200k per second on one core).
/// A pre-generated stream of 100,000 changes around 60,000 (a quarter of them removals, the rest size changes and
/// new levels) is replayed in sequence; increments per second = 100,000 / mean.
/// </summary>
[MemoryDiagnoser]
public class Level2Benchmarks
{
    private const int Changes = 100_000;
    private (BookSide Side, decimal Price, decimal Lots)[] _stream = [];
    private BookLevel[] _bids = [];
    private BookLevel[] _asks = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _bids = [.. Enumerable.Range(1, 200).Select(i => new BookLevel(60_000m - (i * 0.1m), random.Next(1, 500)))];
        _asks = [.. Enumerable.Range(0, 200).Select(i => new BookLevel(60_000.1m + (i * 0.1m), random.Next(1, 500)))];
        _stream = [.. Enumerable.Range(0, Changes).Select(_ =>
        {
            var side = random.Next(2) == 0 ? BookSide.Bid : BookSide.Ask;
            var offset = random.Next(1, 250) * 0.1m;
            var price = side == BookSide.Bid ? 60_000m - offset : 60_000m + offset;
            return (side, price, random.Next(4) == 0 ? 0m : random.Next(1, 500));
        })];
    }

    [Benchmark(Description = "apply 100,000 level2 increments to a live book", OperationsPerInvoke = Changes)]
    public long Apply()
    {
        var sync = new Level2Synchronizer("XBTUSDTM");
        sync.OnIncrement(new Level2Change(1, BookSide.Bid, 59_999.9m, 1));
        sync.OnSnapshot(1, _bids, _asks);
        for (var i = 0; i < _stream.Length; i++)
        {
            var (side, price, lots) = _stream[i];
            sync.OnIncrement(new Level2Change(i + 2, side, price, lots));
        }

        return sync.LastSequence;
    }
}
