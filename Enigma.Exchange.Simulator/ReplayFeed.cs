using System.Globalization;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;

namespace Enigma.Exchange.Simulator;

/// <summary>A candle being formed from the replay's ticks, for the kline endpoint and the candle topic. Volume in lots.</summary>
internal sealed record FormingCandle(long OpenTimeMs, decimal Open, decimal High, decimal Low, decimal Close, long VolumeLots, decimal Turnover)
{
    public FormingCandle With(MarketTick tick, ContractSpec contract) => this with
    {
        High = Math.Max(High, tick.Price),
        Low = Math.Min(Low, tick.Price),
        Close = tick.Price,
        VolumeLots = VolumeLots + tick.VolumeLots,
        Turnover = Turnover + contract.Notional(tick.VolumeLots, tick.Price),
    };

    public static FormingCandle Start(long openTimeMs, MarketTick tick, ContractSpec contract) =>
        new(openTimeMs, tick.Price, tick.Price, tick.Price, tick.Price, tick.VolumeLots, contract.Notional(tick.VolumeLots, tick.Price));
}

/// <summary>A candle topic push: the candle of <see cref="Type"/> (KuCoin's 1min, 5min, ...) that the tick changed.</summary>
internal sealed record CandleUpdated(string Symbol, string Type, FormingCandle Candle, long TimeMs);

/// <summary>
/// The knowledge bank's candles of each symbol, replayed as ticks along <see cref="IntraCandlePath"/>, with the
/// history the kline endpoint serves and the candles the WebSocket candle topic pushes.
/// </summary>
internal sealed class ReplayFeed
{
    /// <summary>KuCoin's WebSocket candle types and their length (kucoin-futures-api.md 5.5; 1month left out).</summary>
    public static IReadOnlyList<(string Type, long Ms)> CandleTypes { get; } =
    [
        ("1min", 60_000), ("3min", 180_000), ("5min", 300_000), ("15min", 900_000), ("30min", 1_800_000), ("1hour", 3_600_000),
        ("2hour", 7_200_000), ("4hour", 14_400_000), ("8hour", 28_800_000), ("12hour", 43_200_000), ("1day", 86_400_000), ("1week", 604_800_000),
    ];

    private readonly Dictionary<string, SymbolFeed> _symbols = new(StringComparer.Ordinal);
    private readonly int _points;
    private SymbolFeed[]? _ordered;
    private readonly int _seed;

    public ReplayFeed(string dataDirectory, IReadOnlyList<string> symbols, IReadOnlyList<ContractSpec> contracts, int pointsPerCandle, int seed)
    {
        ContractSpec? Find(string symbol) => contracts.FirstOrDefault(c => string.Equals(c.Symbol, symbol, StringComparison.OrdinalIgnoreCase));
        _points = pointsPerCandle;
        _seed = seed;
        var files = Directory.EnumerateFiles(dataDirectory, "*.csv*", SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(f => Path.GetFileName(f).Split('-')[0].ToUpperInvariant(), f => f, StringComparer.Ordinal);
        var wanted = symbols.Count > 0
            ? symbols.Select(s => KnownContracts.ToKuCoinSymbol(s)).ToList()
            : files.Keys.Where(k => k.EndsWith("USDT", StringComparison.Ordinal)).Select(KnownContracts.ToKuCoinSymbol).Where(s => Find(s) is not null).ToList();
        foreach (var symbol in wanted)
        {
            var contract = Find(symbol) ?? throw new ArgumentException($"No contract terms for {symbol}; known: {string.Join(", ", contracts.Select(c => c.Symbol))}.");
            var dataSymbol = KnownContracts.ToDataSymbol(symbol);
            if (!files.TryGetValue(dataSymbol, out var file))
            {
                throw new ArgumentException($"No candle file for {symbol} ({dataSymbol}-*.csv[.gz]) in '{dataDirectory}'.");
            }

            var candles = CandleCsvReader.Load(file);
            if (candles.HasErrors)
            {
                throw new ArgumentException($"{file} has bad rows; first: {candles.Errors.First()}. Check it with 'enigma candles check'.");
            }

            if (candles.Candles.Length < 2)
            {
                throw new ArgumentException($"{file} holds fewer than two candles.");
            }

            _symbols.Add(symbol, new SymbolFeed(contract, candles.Candles.ToArray(), candles.Timeframe.Milliseconds));
        }

        if (_symbols.Count == 0)
        {
            throw new ArgumentException($"No candle files for any known contract in '{dataDirectory}'.");
        }
    }

    public IEnumerable<ContractSpec> Contracts => _symbols.Values.Select(s => s.Contract);

    public IEnumerable<string> Symbols => _symbols.Keys;

    /// <summary>The first time every symbol has data for.</summary>
    public long CommonStartMs => _symbols.Values.Max(s => s.Candles[0].OpenTimeMs);

    public long SourceTimeframeMs(string symbol) => _symbols[symbol].TimeframeMs;

    /// <summary>
    /// Moves every symbol to <paramref name="nowMs"/>, handing the ticks to <paramref name="onTick"/> in time order
    /// across symbols (ties in symbol order). The order depends only on the data, never on how often this is called:
    /// the exchange numbers trades across symbols, so a replay of the venue log must see exactly the same sequence.
    /// </summary>
    public void AdvanceTo(long nowMs, Action<string, MarketTick> onTick, Action<CandleUpdated>? onCandle)
    {
        var feeds = _ordered ??= [.. _symbols.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value)];
        while (true)
        {
            SymbolFeed? due = null;
            var dueAt = long.MaxValue;
            foreach (var feed in feeds)
            {
                if (feed.PeekTime(_points) is { } at && at <= nowMs && at < dueAt)
                {
                    due = feed;
                    dueAt = at;
                }
            }

            if (due?.NextTick(nowMs, _points, _seed) is not { } tick)
            {
                return;
            }

            onTick(due.Contract.Symbol, tick);
            due.Record(tick, onCandle);
        }
    }

    /// <summary>Moves every candle by <paramref name="shiftMs"/>, before the replay starts.</summary>
    public void Shift(long shiftMs)
    {
        foreach (var feed in _symbols.Values)
        {
            feed.Shift(shiftMs);
        }
    }

    /// <summary>The market time of the next tick any symbol has due, or null when the data has run out.</summary>
    public long? NextTickTimeMs() => _symbols.Values.Select(f => f.PeekTime(_points)).Where(t => t is not null).Min();

    /// <summary>Skips the history before <paramref name="startMs"/> without replaying it tick by tick.</summary>
    public void StartAt(long startMs)
    {
        foreach (var feed in _symbols.Values)
        {
            feed.SkipTo(startMs);
        }
    }

    /// <summary>
    /// Klines of <paramref name="granularityMinutes"/> with open time in [from, to], closed by <paramref name="nowMs"/>,
    /// plus the candle still forming: REST rows are [openTimeMs, open, high, low, close, volume lots, turnover].
    /// </summary>
    public IReadOnlyList<FormingCandle> Klines(string symbol, int granularityMinutes, long fromMs, long toMs, int limit)
    {
        var feed = _symbols[symbol];
        var size = granularityMinutes * 60_000L;
        var result = new List<FormingCandle>();
        FormingCandle? bucket = null;
        void Flush()
        {
            if (bucket is not null && bucket.OpenTimeMs >= fromMs && bucket.OpenTimeMs <= toMs)
            {
                result.Add(bucket);
            }
        }

        foreach (var candle in feed.ReplayedCandles())
        {
            var open = candle.OpenTimeMs - (candle.OpenTimeMs % size);
            if (bucket is null || bucket.OpenTimeMs != open)
            {
                Flush();
                bucket = new FormingCandle(open, candle.Open, candle.High, candle.Low, candle.Close, candle.VolumeLots, candle.Turnover);
            }
            else
            {
                bucket = bucket with
                {
                    High = Math.Max(bucket.High, candle.High),
                    Low = Math.Min(bucket.Low, candle.Low),
                    Close = candle.Close,
                    VolumeLots = bucket.VolumeLots + candle.VolumeLots,
                    Turnover = bucket.Turnover + candle.Turnover,
                };
            }
        }

        Flush();
        return result.Count > limit ? result[^limit..] : result;
    }

    private sealed class SymbolFeed(ContractSpec contract, Candle[] candles, long timeframeMs)
    {
        private readonly Dictionary<string, FormingCandle> _forming = new(StringComparer.Ordinal);
        private int _candle;
        private MarketTick[]? _path;
        private int _pathIndex;
        private FormingCandle? _current;

        public ContractSpec Contract { get; } = contract;

        public Candle[] Candles { get; private set; } = candles;

        public long TimeframeMs { get; } = timeframeMs;

        public void Shift(long shiftMs) => Candles = Candles.Select(c => c with { OpenTimeMs = c.OpenTimeMs + shiftMs }).ToArray();

        public void SkipTo(long startMs)
        {
            while (_candle < Candles.Length && Candles[_candle].OpenTimeMs + TimeframeMs <= startMs)
            {
                _candle++;
            }
        }

        /// <summary>When the next tick falls: the current path's next point, or the next candle's open.</summary>
        public long? PeekTime(int points)
        {
            if (_path is not null && _pathIndex < _path.Length)
            {
                return _path[_pathIndex].TimeMs;
            }

            var next = _path is null ? _candle : _candle + 1;
            return next < Candles.Length ? Candles[next].OpenTimeMs : null;
        }

        public MarketTick? NextTick(long nowMs, int points, int seed)
        {
            if (_path is null || _pathIndex == _path.Length)
            {
                if (_path is not null)
                {
                    _candle++;
                    _path = null;
                    _current = null;
                }

                if (_candle >= Candles.Length || Candles[_candle].OpenTimeMs > nowMs)
                {
                    return null;
                }

                _path = IntraCandlePath.Build(Candles[_candle], TimeframeMs, Contract, points, seed);
                _pathIndex = 0;
            }

            if (_path[_pathIndex].TimeMs > nowMs)
            {
                return null;
            }

            return _path[_pathIndex++];
        }

        public void Record(MarketTick tick, Action<CandleUpdated>? onCandle)
        {
            var open = Candles[_candle].OpenTimeMs;
            _current = _current is null ? FormingCandle.Start(open, tick, Contract) : _current.With(tick, Contract);
            foreach (var (type, ms) in CandleTypes)
            {
                var start = tick.TimeMs - (tick.TimeMs % ms);
                var candle = _forming.TryGetValue(type, out var c) && c.OpenTimeMs == start ? c.With(tick, Contract) : FormingCandle.Start(start, tick, Contract);
                _forming[type] = candle;
                onCandle?.Invoke(new CandleUpdated(Contract.Symbol, type, candle, tick.TimeMs));
            }
        }

        /// <summary>The source candles already replayed, the current one as far as it has got.</summary>
        public IEnumerable<FormingCandle> ReplayedCandles()
        {
            for (var i = 0; i < _candle && i < Candles.Length; i++)
            {
                var c = Candles[i];
                var lots = Contract.ToLots(c.Volume);
                yield return new FormingCandle(c.OpenTimeMs, c.Open, c.High, c.Low, c.Close, lots, c.Volume * c.Close);
            }

            if (_current is not null)
            {
                yield return _current;
            }
        }
    }

    public static string Describe(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("u", CultureInfo.InvariantCulture);
}
