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
    private readonly VenueLog? _log;
    private bool _accountsChanged;

    public SimulatorVenue(SimulatorOptions options, TimeProvider wall, EventHub hub)
    {
        Options = options;
        Hub = hub;
        Feed = new ReplayFeed(options.DataDirectory, options.Symbols, options.Contracts, options.PointsPerCandle, options.Seed);
        Exchange = new SimulatedExchange(Feed.Contracts, new ExchangeModelSettings { Seed = options.Seed });
        _accounts = options.Accounts.ToDictionary(a => a.ApiKey, StringComparer.Ordinal);

        var saved = options.StateDirectory is { } folder ? VenueLog.Read(folder) : null;
        long start;
        long shift = 0;
        if (saved is { Header: var header })
        {
            RequireSameMarket(header, options.StateDirectory!);
            shift = header.ShiftMs;
            start = header.StartMs;
        }
        else
        {
            start = Feed.CommonStartMs + (options.HistoryDays * 86_400_000L);
            if (options.AlignToWallClock)
            {
                var step = Feed.Symbols.Max(Feed.SourceTimeframeMs);
                var now = wall.GetUtcNow().ToUnixTimeMilliseconds();
                shift = (now - start) / step * step;
                start += shift;
            }
        }

        Feed.Shift(shift);
        Feed.StartAt(start);
        var resumeAt = start;
        if (saved is { Entries: var entries })
        {
            resumeAt = Replay(entries, start);
            Resumed = new VenueResume(entries.Count(e => e.Input is PlaceOrderInput), resumeAt);
        }

        if (options.StateDirectory is { } stateDirectory)
        {
            _log = VenueLog.Open(stateDirectory, new VenueLogHeader(VenueLog.CurrentVersion, start, shift, options.Seed, options.PointsPerCandle, [.. Feed.Symbols.Order(StringComparer.Ordinal)], Feed.CommonStartMs - shift));
        }

        // Accounts are inputs too: one opened by an earlier run keeps its history, whatever balance this run asks for.
        foreach (var account in options.Accounts.Where(a => !Exchange.HasAccount(a.ApiKey)))
        {
            var input = new OpenAccountInput(account.ApiKey, account.Balance);
            _log?.Append(resumeAt, input);
            input.Apply(Exchange, resumeAt);
        }

        _ = Exchange.TakeEvents();
        Clock = new ReplayClock(wall, resumeAt, options.Speed);
        Pump();
    }

    /// <summary>What an earlier run left, when this venue resumed from its log.</summary>
    public VenueResume? Resumed { get; }

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

    /// <summary>
    /// Applies a client's change (an order, a cancel) to the exchange as of now, after writing it to the venue log,
    /// and publishes what it changed.
    /// </summary>
    public object Change(VenueInput input)
    {
        lock (_gate)
        {
            var now = CatchUp();
            _log?.Append(now, input);
            var result = input.Apply(Exchange, now);
            _pending.AddRange(Exchange.TakeEvents());
            Flush();
            return result;
        }
    }

    /// <summary>Writes where the market is, so that the next run resumes here (called on shutdown and about once a second).</summary>
    public void MarkClock()
    {
        lock (_gate)
        {
            _log?.Mark(CatchUp());
            _accountsChanged = false;
            Flush();
        }
    }

    public void CloseLog()
    {
        lock (_gate)
        {
            _log?.Mark(CatchUp());
            Flush();
            _log?.Dispose();
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
                foreach (var change in Exchange.TakeEvents())
                {
                    _accountsChanged |= change is OrderChanged or StopOrderChanged or PositionChanged or FundingCharged or WalletChanged;
                    _pending.Add(change);
                }
            },
            _pending.Add);

        // A fill, a funding payment or a liquidation is written down (as the market time it happened by) before any
        // client hears of it: a restart must not show an account that is behind what a client was already told.
        if (_accountsChanged && _log is not null)
        {
            _log.Mark(now);
            _accountsChanged = false;
        }

        return now;
    }

    /// <summary>Rebuilds the exchange from a venue log: the market moves to each input's time, then the input is applied.</summary>
    private long Replay(List<VenueLogEntry> entries, long start)
    {
        var at = start;
        foreach (var entry in entries)
        {
            at = Math.Max(at, entry.T);
            Feed.AdvanceTo(at, (symbol, tick) => Exchange.Advance(symbol, tick), null);
            entry.Input?.Apply(Exchange, at);
            _ = Exchange.TakeEvents();
        }

        return at;
    }

    private void RequireSameMarket(VenueLogHeader header, string folder)
    {
        var symbols = Feed.Symbols.Order(StringComparer.Ordinal).ToArray();
        string? difference =
            !header.Symbols.SequenceEqual(symbols) ? $"symbols {string.Join(",", header.Symbols)}, this run {string.Join(",", symbols)}"
            : header.Seed != Options.Seed ? $"seed {header.Seed}, this run {Options.Seed}"
            : header.PointsPerCandle != Options.PointsPerCandle ? $"{header.PointsPerCandle} points per candle, this run {Options.PointsPerCandle}"
            : header.DataStartMs != Feed.CommonStartMs ? $"candles from {ReplayFeed.Describe(header.DataStartMs)}, this run's data from {ReplayFeed.Describe(Feed.CommonStartMs)}"
            : null;
        if (difference is not null)
        {
            throw new ArgumentException($"The simulator state in '{folder}' was made with {difference}. Resume with the same options, or start a new state folder.");
        }
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

/// <summary>A venue that resumed from its log: how many orders earlier runs placed, and the market time it resumed at.</summary>
public sealed record VenueResume(int OrdersPlaced, long MarketTimeMs);
