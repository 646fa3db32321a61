using System.Globalization;
using System.Threading.RateLimiting;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>KuCoin's resource pools (kucoin-futures-api.md 6.1): each has its own quota per 30-second window.</summary>
public enum RateLimitPool
{
    Public,
    Futures,
    Management,
}

/// <summary>Which pool an endpoint draws on and how much it costs, from KuCoin's published weights.</summary>
public static class KuCoinEndpoints
{
    private static readonly (string Method, string Prefix, RateLimitPool Pool, int Weight)[] Table =
    [
        ("GET", "/api/v1/contracts", RateLimitPool.Public, 3),
        ("GET", "/api/v1/ticker", RateLimitPool.Public, 2),
        ("GET", "/api/v1/allTickers", RateLimitPool.Public, 5),
        ("GET", "/api/v1/level2/snapshot", RateLimitPool.Public, 3),
        ("GET", "/api/v1/level2/depth", RateLimitPool.Public, 5),
        ("GET", "/api/v1/trade/history", RateLimitPool.Public, 5),
        ("GET", "/api/v1/kline/query", RateLimitPool.Public, 3),
        ("GET", "/api/v1/mark-price", RateLimitPool.Public, 3),
        ("GET", "/api/v1/funding-rate", RateLimitPool.Public, 2),
        ("GET", "/api/v1/contract/funding-rates", RateLimitPool.Public, 5),
        ("GET", "/api/v1/timestamp", RateLimitPool.Public, 2),
        ("GET", "/api/v1/status", RateLimitPool.Public, 4),
        ("POST", "/api/v1/bullet-public", RateLimitPool.Public, 10),
        ("POST", "/api/v1/bullet-private", RateLimitPool.Futures, 10),
        ("POST", "/api/v1/orders/multi", RateLimitPool.Futures, 20),
        ("POST", "/api/v1/orders", RateLimitPool.Futures, 2),
        ("POST", "/api/v1/st-orders", RateLimitPool.Futures, 2),
        ("DELETE", "/api/v1/orders/multi-cancel", RateLimitPool.Futures, 20),
        ("DELETE", "/api/v3/orders", RateLimitPool.Futures, 10),
        ("DELETE", "/api/v1/orders/", RateLimitPool.Futures, 1),
        ("DELETE", "/api/v1/orders", RateLimitPool.Futures, 800),
        ("DELETE", "/api/v1/stopOrders", RateLimitPool.Futures, 15),
        ("GET", "/api/v1/orders/", RateLimitPool.Futures, 5),
        ("GET", "/api/v1/orders", RateLimitPool.Futures, 2),
        ("GET", "/api/v1/recentDoneOrders", RateLimitPool.Futures, 5),
        ("GET", "/api/v1/stopOrders", RateLimitPool.Futures, 6),
        ("GET", "/api/v1/openOrderStatistics", RateLimitPool.Futures, 10),
        ("GET", "/api/v1/fills", RateLimitPool.Futures, 5),
        ("GET", "/api/v1/recentFills", RateLimitPool.Futures, 3),
        ("GET", "/api/v1/account-overview", RateLimitPool.Futures, 5),
        ("GET", "/api/v1/funding-history", RateLimitPool.Futures, 5),
        ("GET", "/api/v1/trade-fees", RateLimitPool.Futures, 3),
        ("GET", "/api/v1/user/api-key", RateLimitPool.Management, 20),
    ];

    /// <summary>
    /// The pool and weight of a request (path without query). Unlisted private endpoints draw 2 from the Futures pool
    /// and unlisted public ones 3 from the Public pool: an unknown cost is assumed typical, never free.
    /// </summary>
    public static (RateLimitPool Pool, int Weight) Cost(string method, string path, bool isPrivate)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        foreach (var (m, prefix, pool, weight) in Table)
        {
            if (string.Equals(m, method, StringComparison.OrdinalIgnoreCase) && path.StartsWith(prefix, StringComparison.Ordinal)
                && (prefix.EndsWith('/') || path.Length == prefix.Length || path[prefix.Length] is '/' or '?'))
            {
                return (pool, weight);
            }
        }

        return isPrivate ? (RateLimitPool.Futures, 2) : (RateLimitPool.Public, 3);
    }
}

/// <summary>
/// Client-side rate limiting per KuCoin pool: a token bucket (System.Threading.RateLimiting) per pool holding the
/// pool's 30-second quota and refilled each window, consumed by each request's weight; plus the exchange's own word,
/// which wins: when a reply's <c>gw-ratelimit-*</c> headers say the pool is exhausted, or KuCoin answers 429000, the
/// pool is closed until the reset it gave. Quotas default to VIP 0 (2000 per 30 s for Public and Futures).
/// </summary>
public sealed class KuCoinRateLimiter : IAsyncDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly Dictionary<RateLimitPool, TokenBucketRateLimiter> _buckets;
    private readonly CallPace _publicPace;
    private readonly CallPace _privatePace;
    private readonly Dictionary<RateLimitPool, long> _blockedUntilMs = [];
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <param name="time">The clock of the pace and of the exchange-imposed blocks. (The 30-second buckets refill on the
    /// runtime's own timer: System.Threading.RateLimiting takes no TimeProvider, and even its manual replenishment reads
    /// the real clock.)</param>
    /// <param name="window">KuCoin's is 30 s; tests shorten it.</param>
    /// <param name="publicPerSecond">The seed's pace for public calls (30 per 3 s), which KuCoin's pools do not set.</param>
    /// <param name="privatePerSecond">The seed's pace for private calls (75 per 3 s).</param>
    /// <param name="burst">The seed's burst: calls that may go at once before the pace applies.</param>
    public KuCoinRateLimiter(TimeProvider? time = null, int publicQuota = 2000, int futuresQuota = 2000, int managementQuota = 2000, TimeSpan? window = null,
        int publicPerSecond = 10, int privatePerSecond = 25, int burst = 10)
    {
        _time = time ?? TimeProvider.System;
        _publicPace = new CallPace(publicPerSecond, burst, _time);
        _privatePace = new CallPace(privatePerSecond, burst, _time);
        var period = window ?? Window;
        _buckets = new()
        {
            [RateLimitPool.Public] = Bucket(publicQuota, period),
            [RateLimitPool.Futures] = Bucket(futuresQuota, period),
            [RateLimitPool.Management] = Bucket(managementQuota, period),
        };
    }

    /// <summary>Waits until the pool may take a request of this weight (the bucket has the tokens and the exchange has not closed the pool).</summary>
    public async ValueTask AcquireAsync(RateLimitPool pool, int weight, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        var wait = BlockedFor(pool);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        await PaceOf(pool).WaitTurnAsync(cancellationToken).ConfigureAwait(false);
        using var lease = await _buckets[pool].AcquireAsync(weight, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            // A weight above the whole quota is refused by the bucket itself (ArgumentOutOfRangeException); a failed
            // lease means as many requests as the quota are already queued.
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The {pool} pool's queue is full: a whole window of requests is already waiting."));
        }
    }

    /// <summary>Takes a request's tokens now if it can, without waiting: for callers that prefer to shed load.</summary>
    public bool TryAcquire(RateLimitPool pool, int weight)
    {
        if (BlockedFor(pool) > TimeSpan.Zero)
        {
            return false;
        }

        if (!PaceOf(pool).TryTakeTurnNow())
        {
            return false;
        }

        using var lease = _buckets[pool].AttemptAcquire(weight);
        return lease.IsAcquired;
    }

    /// <summary>Takes what a reply said about its pool: exhausted (or a 429000) closes the pool until the reset.</summary>
    public void Observe(RateLimitPool pool, RateLimitState? headers, bool rateLimitedReply)
    {
        if (headers is not { } state)
        {
            if (rateLimitedReply)
            {
                // 429000 without headers: wait one whole window, the longest a KuCoin pool can stay closed.
                Block(pool, (long)Window.TotalMilliseconds);
            }

            return;
        }

        if (state.IsExhausted || rateLimitedReply)
        {
            Block(pool, state.ResetMs);
        }
    }

    /// <summary>How long the exchange still keeps the pool closed.</summary>
    public TimeSpan BlockedFor(RateLimitPool pool)
    {
        lock (_gate)
        {
            var left = _blockedUntilMs.GetValueOrDefault(pool) - _time.GetUtcNow().ToUnixTimeMilliseconds();
            return left > 0 ? TimeSpan.FromMilliseconds(left) : TimeSpan.Zero;
        }
    }

    /// <summary>Tokens left in the pool's bucket for this window.</summary>
    public long Available(RateLimitPool pool) => _buckets[pool].GetStatistics()?.CurrentAvailablePermits ?? 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var bucket in _buckets.Values)
        {
            await bucket.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Block(RateLimitPool pool, long resetMs)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow().ToUnixTimeMilliseconds() + Math.Max(0, resetMs);
            _blockedUntilMs[pool] = Math.Max(_blockedUntilMs.GetValueOrDefault(pool), until);
        }
    }

    private CallPace PaceOf(RateLimitPool pool) => pool == RateLimitPool.Public ? _publicPace : _privatePace;

    private static TokenBucketRateLimiter Bucket(int quota, TimeSpan window) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = quota,
        TokensPerPeriod = quota,
        ReplenishmentPeriod = window,
        AutoReplenishment = true,
        QueueLimit = quota,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });
}
