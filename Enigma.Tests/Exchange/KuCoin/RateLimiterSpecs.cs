using Enigma.Exchange.KuCoin.Rest;
using Enigma.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Enigma.Tests.Exchange.KuCoin;

public sealed class RateLimiterSpecs
{
    [Theory]
    [InlineData("GET", "/api/v1/contracts/active", false, RateLimitPool.Public, 3)]
    [InlineData("GET", "/api/v1/level2/snapshot", false, RateLimitPool.Public, 3)]
    [InlineData("POST", "/api/v1/orders", true, RateLimitPool.Futures, 2)]
    [InlineData("POST", "/api/v1/orders/test", true, RateLimitPool.Futures, 2)]
    [InlineData("POST", "/api/v1/orders/multi", true, RateLimitPool.Futures, 20)]
    [InlineData("DELETE", "/api/v1/orders/5bd6e9286d99522a52e458de", true, RateLimitPool.Futures, 1)]
    [InlineData("DELETE", "/api/v1/orders/multi-cancel", true, RateLimitPool.Futures, 20)]
    [InlineData("DELETE", "/api/v1/orders", true, RateLimitPool.Futures, 800)]
    [InlineData("POST", "/api/v1/bullet-private", true, RateLimitPool.Futures, 10)]
    [InlineData("GET", "/api/v1/user/api-key", true, RateLimitPool.Management, 20)]
    [InlineData("GET", "/api/v1/some-new-private-endpoint", true, RateLimitPool.Futures, 2)]
    [InlineData("GET", "/api/v1/some-new-public-endpoint", false, RateLimitPool.Public, 3)]
    public void Each_endpoint_must_cost_its_published_weight_in_its_pool(string method, string path, bool isPrivate, RateLimitPool pool, int weight)
    {
        Assert.Equal((pool, weight), KuCoinEndpoints.Cost(method, path, isPrivate));
    }

    [Fact]
    public async Task Weights_must_drain_the_pools_quota_and_pools_must_be_independent()
    {
        // A 30 s window: nothing refills during the test.
        await using var limiter = new KuCoinRateLimiter(new FakeTimeProvider(), publicQuota: 10, futuresQuota: 10);
        Assert.True(limiter.TryAcquire(RateLimitPool.Futures, 2));
        Assert.True(limiter.TryAcquire(RateLimitPool.Futures, 8));
        Assert.False(limiter.TryAcquire(RateLimitPool.Futures, 1));
        Assert.Equal(0, limiter.Available(RateLimitPool.Futures));
        Assert.True(limiter.TryAcquire(RateLimitPool.Public, 10), "pools are independent");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await limiter.AcquireAsync(RateLimitPool.Futures, 11));
    }

    [Fact]
    public async Task Calls_must_keep_the_seeds_pace_a_burst_of_ten_then_ten_or_twenty_five_a_second()
    {
        var time = new FakeTimeProvider();
        await using var limiter = new KuCoinRateLimiter(time);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryAcquire(RateLimitPool.Public, 1), $"public call {i + 1} of the burst");
            Assert.True(limiter.TryAcquire(RateLimitPool.Futures, 1), $"private call {i + 1} of the burst");
        }

        Assert.False(limiter.TryAcquire(RateLimitPool.Public, 1));
        Assert.False(limiter.TryAcquire(RateLimitPool.Management, 1));
        Assert.True(limiter.Available(RateLimitPool.Public) > 1900, "the pool's quota is far from spent: the pace held the call back");

        // The next call waits for the pace (a tenth of a second for public calls), not for the 30 s window.
        var next = limiter.AcquireAsync(RateLimitPool.Public, 1).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(next.IsCompleted, "a public call went before its tenth of a second");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Waiting_private_calls_must_go_one_every_forty_milliseconds_in_the_order_they_asked()
    {
        var time = new FakeTimeProvider();
        await using var limiter = new KuCoinRateLimiter(time);
        for (var i = 0; i < 10; i++)
        {
            await limiter.AcquireAsync(RateLimitPool.Futures, 2);
        }

        var order = new List<int>();
        var waiting = Enumerable.Range(0, 5).Select(async i =>
        {
            await limiter.AcquireAsync(RateLimitPool.Futures, 2);
            lock (order)
            {
                order.Add(i);
            }
        }).ToArray();
        for (var step = 1; step <= 5; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(40));
            await Poll.UntilAsync(() => { lock (order) { return order.Count == step; } }, $"{step} waiting call(s) went", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5));
        }

        await Task.WhenAll(waiting);
        Assert.Equal([0, 1, 2, 3, 4], order);

        // A quiet second saves a whole burst again.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, Enumerable.Range(0, 12).Count(_ => limiter.TryAcquire(RateLimitPool.Futures, 1)));
    }

    [Fact]
    public async Task A_request_waiting_on_an_empty_pool_must_go_through_when_the_window_refills()
    {
        var time = new FakeTimeProvider();
        await using var limiter = new KuCoinRateLimiter(time, futuresQuota: 10, window: TimeSpan.FromMilliseconds(200));
        while (limiter.TryAcquire(RateLimitPool.Futures, 1))
        {
        }

        // The pace's slot comes on the test's clock; the pool's quota (the library's bucket) refills on the real one.
        var waiting = limiter.AcquireAsync(RateLimitPool.Futures, 4).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(40));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_exhausted_pool_reported_by_KuCoin_must_stay_closed_until_its_reset()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using var limiter = new KuCoinRateLimiter(time);
        limiter.Observe(RateLimitPool.Futures, new RateLimitState(2000, 0, 12_000), rateLimitedReply: false);
        Assert.Equal(TimeSpan.FromSeconds(12), limiter.BlockedFor(RateLimitPool.Futures));
        Assert.False(limiter.TryAcquire(RateLimitPool.Futures, 1));
        Assert.True(limiter.TryAcquire(RateLimitPool.Public, 1));

        var waiting = limiter.AcquireAsync(RateLimitPool.Futures, 1).AsTask();
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, limiter.BlockedFor(RateLimitPool.Futures));
    }

    [Fact]
    public async Task A_429000_without_headers_must_close_the_pool_for_a_whole_window_and_healthy_replies_must_not()
    {
        var time = new FakeTimeProvider();
        await using var limiter = new KuCoinRateLimiter(time);
        limiter.Observe(RateLimitPool.Public, new RateLimitState(2000, 1500, 20_000), rateLimitedReply: false);
        Assert.Equal(TimeSpan.Zero, limiter.BlockedFor(RateLimitPool.Public));
        limiter.Observe(RateLimitPool.Public, null, rateLimitedReply: true);
        Assert.Equal(KuCoinRateLimiter.Window, limiter.BlockedFor(RateLimitPool.Public));
        limiter.Observe(RateLimitPool.Public, new RateLimitState(2000, 5, 1_000), rateLimitedReply: true);
        Assert.Equal(KuCoinRateLimiter.Window, limiter.BlockedFor(RateLimitPool.Public));
    }
}
