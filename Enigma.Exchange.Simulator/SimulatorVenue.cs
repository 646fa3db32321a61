using Enigma.Domain.Exchange;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// The exchange model, the replay that moves its markets and the paper accounts, behind one lock. Every call first
/// brings the market up to the replay clock, so a request always sees the market as of now; everything that changed
/// goes to the <see cref="EventHub"/> in the order it happened.
/// </summary>
internal sealed class SimulatorVenue
{
    private readonly Lock _gate = new();
    private readonly List<object> _pending = [];
    private readonly Dictionary<string, SimulatorAccount> _accounts;

    public SimulatorVenue(SimulatorOptions options, TimeProvider wall, EventHub hub)
    {
        Options = options;
        Hub = hub;
        Feed = new ReplayFeed(options.DataDirectory, options.Symbols, options.Contracts, options.PointsPerCandle, options.Seed);
        Exchange = new SimulatedExchange(Feed.Contracts, new ExchangeModelSettings { Seed = options.Seed });
        _accounts = options.Accounts.ToDictionary(a => a.ApiKey, StringComparer.Ordinal);
        foreach (var account in options.Accounts)
        {
            Exchange.OpenAccount(account.ApiKey, account.Balance);
        }

        var start = Feed.CommonStartMs + (options.HistoryDays * 86_400_000L);
        if (options.AlignToWallClock)
        {
            var step = Feed.Symbols.Max(Feed.SourceTimeframeMs);
            var now = wall.GetUtcNow().ToUnixTimeMilliseconds();
            var shift = (now - start) / step * step;
            Feed.Shift(shift);
            start += shift;
        }

        Feed.StartAt(start);
        Clock = new ReplayClock(wall, start, options.Speed);
        Pump();
    }

    public SimulatorOptions Options { get; }

    public ReplayFeed Feed { get; }

    public ReplayClock Clock { get; }

    public EventHub Hub { get; }

    /// <summary>Only read under <see cref="Run{T}"/>.</summary>
    private SimulatedExchange Exchange { get; }

    public SimulatorAccount? Account(string apiKey) => _accounts.GetValueOrDefault(apiKey);

    /// <summary>Brings every market up to the replay clock.</summary>
    public void Pump()
    {
        lock (_gate)
        {
            CatchUp();
            Flush();
        }
    }

    /// <summary>Runs <paramref name="action"/> on the exchange as of now and publishes what it changed.</summary>
    public T Run<T>(Func<SimulatedExchange, long, T> action)
    {
        lock (_gate)
        {
            var now = CatchUp();
            var result = action(Exchange, now);
            _pending.AddRange(Exchange.TakeEvents());
            Flush();
            return result;
        }
    }

    /// <summary>Market time of the next due tick (read under the lock: the feed moves during a pump).</summary>
    public long? NextTickTimeMs()
    {
        lock (_gate)
        {
            return Feed.NextTickTimeMs();
        }
    }

    public long Step(long milliseconds)
    {
        Clock.Step(milliseconds);
        Pump();
        return Clock.NowMs;
    }

    private long CatchUp()
    {
        var now = Clock.NowMs;
        Feed.AdvanceTo(
            now,
            (symbol, tick) =>
            {
                Exchange.Advance(symbol, tick);
                _pending.AddRange(Exchange.TakeEvents());
            },
            _pending.Add);
        return now;
    }

    private void Flush()
    {
        if (_pending.Count > 0)
        {
            Hub.Publish(_pending);
            _pending.Clear();
        }
    }
}
