using System.Text;
using BenchmarkDotNet.Attributes;
using Enigma.Exchange.KuCoin.MarketData;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Benchmarks;

/// <summary>
/// The client's whole per-increment path short of the socket: a KuCoin level2 WebSocket frame (UTF-8 bytes) through
/// <see cref="KuCoinWebSocketClient"/>'s dispatch (JSON parse, topic lookup), the change string parsed, and the
/// increment applied to a live book, as <see cref="KuCoinOrderBookFeed"/> does. Goal: 200k increments per second.
/// </summary>
[MemoryDiagnoser]
public class Level2FrameBenchmarks
{
    private const int Frames = 20_000;
    private byte[][] _frames = [];
    private KuCoinWebSocketClient _client = null!;
    private Level2Synchronizer _sync = null!;
    private HttpClient _http = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _frames = [.. Enumerable.Range(0, Frames).Select(i =>
        {
            var buy = random.Next(2) == 0;
            var offset = random.Next(1, 250) * 0.1m;
            var price = buy ? 60_000m - offset : 60_000m + offset;
            var size = random.Next(4) == 0 ? 0 : random.Next(1, 500);
            return Encoding.UTF8.GetBytes(FormattableString.Invariant(
                $"{{\"type\":\"message\",\"topic\":\"/contractMarket/level2:XBTUSDTM\",\"subject\":\"level2\",\"sn\":{i + 2},\"data\":{{\"sequence\":{i + 2},\"change\":\"{price},{(buy ? "buy" : "sell")},{size}\",\"timestamp\":1732000000130}}}}"));
        })];
        _http = new HttpClient();
        _client = new KuCoinWebSocketClient(new KuCoinRestClient(_http, new KuCoinClientOptions()), isPrivate: false);
        _client.SubscribeAsync("/contractMarket/level2:XBTUSDTM", push =>
        {
            var change = Level2Change.Parse(push.Data.GetProperty("sequence").GetInt64(), push.Data.GetProperty("change").GetString()!);
            _sync.OnIncrement(change);
        }).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _http.Dispose();
    }

    [Benchmark(Description = "20,000 level2 frames: dispatch, parse, apply", OperationsPerInvoke = Frames)]
    public long DispatchParseApply()
    {
        _sync = new Level2Synchronizer("XBTUSDTM");
        _sync.OnIncrement(new Level2Change(1, BookSide.Bid, 59_999.9m, 1));
        _sync.OnSnapshot(1, [new BookLevel(59_999.9m, 5)], [new BookLevel(60_000.1m, 5)]);
        foreach (var frame in _frames)
        {
            _client.Dispatch(frame);
        }

        return _sync.LastSequence;
    }
}
