namespace Enigma.Domain.Market;

/// <summary>A higher-timeframe candle built from base candles, with how many base bars it was built from.</summary>
public readonly record struct ResampledCandle(Candle Candle, Timeframe Timeframe, int SourceBars, int ExpectedSourceBars)
{
    /// <summary>False when the exchange had a gap inside the bucket: the candle covers only the bars that exist.</summary>
    public bool IsComplete => SourceBars == ExpectedSourceBars;

    public long CloseTimeMs => Candle.OpenTimeMs + Timeframe.Milliseconds;
}

/// <summary>
/// Streams base candles (say 5m) into a higher timeframe (15m, 1h, 4h) and emits a higher candle only once it is
/// closed, so that nothing downstream can see into the future:
/// <list type="bullet">
/// <item>when the bucket's last base bar arrives (the 5m bar opening at 10:55 closes the 10:00 hour), or</item>
/// <item>when a base bar of a later bucket arrives, which proves the earlier bucket is over even though the
/// exchange skipped its last bars (the candle is then marked incomplete, never filled).</item>
/// </list>
/// A bucket still forming is never emitted; <see cref="Forming"/> shows it for inspection.
/// </summary>
public sealed class CandleResampler
{
    private readonly int _expectedBars;
    private long _lastSourceOpenMs = long.MinValue;
    private bool _hasBucket;
    private long _bucketOpenMs;
    private decimal _open, _high, _low, _close, _volume;
    private int _bars;

    public CandleResampler(Timeframe source, Timeframe target)
    {
        if (source.Milliseconds == 0 || target.Milliseconds == 0)
        {
            throw new ArgumentException("Both timeframes must be set.");
        }

        if (target <= source || target.Milliseconds % source.Milliseconds != 0)
        {
            throw new ArgumentException($"Cannot resample {source} to {target}: the target must be a larger whole multiple of the source.");
        }

        Source = source;
        Target = target;
        _expectedBars = (int)(target.Milliseconds / source.Milliseconds);
    }

    public Timeframe Source { get; }

    public Timeframe Target { get; }

    /// <summary>The bucket being built, not yet closed; null before the first bar and right after a bucket closes.</summary>
    public ResampledCandle? Forming => _hasBucket ? Current() : null;

    /// <summary>
    /// Adds one closed base candle and appends to <paramref name="closed"/> every higher candle that is now closed
    /// (zero, one, or two when a bar both ends an interrupted bucket and completes its own).
    /// </summary>
    public void Add(in Candle candle, ICollection<ResampledCandle> closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        if (!Source.IsAligned(candle.OpenTimeMs))
        {
            throw new ArgumentException($"Candle open time {candle.OpenTimeMs} ({Candle.FormatTime(candle.OpenTimeMs)}) is not on the {Source} grid.", nameof(candle));
        }

        if (candle.OpenTimeMs <= _lastSourceOpenMs)
        {
            throw new ArgumentException(
                $"Candle open time {candle.OpenTimeMs} ({Candle.FormatTime(candle.OpenTimeMs)}) is not after the previous one, {_lastSourceOpenMs} ({Candle.FormatTime(_lastSourceOpenMs)}).",
                nameof(candle));
        }

        _lastSourceOpenMs = candle.OpenTimeMs;
        var bucket = Target.BucketStart(candle.OpenTimeMs);
        if (_hasBucket && bucket != _bucketOpenMs)
        {
            // A later bucket has started, so the earlier one is over although its last bars never came.
            closed.Add(Current());
            _hasBucket = false;
        }

        if (!_hasBucket)
        {
            _hasBucket = true;
            _bucketOpenMs = bucket;
            _open = candle.Open;
            _high = candle.High;
            _low = candle.Low;
            _volume = 0m;
            _bars = 0;
        }

        _high = Math.Max(_high, candle.High);
        _low = Math.Min(_low, candle.Low);
        _close = candle.Close;
        _volume += candle.Volume;
        _bars++;

        if (candle.OpenTimeMs + Source.Milliseconds == bucket + Target.Milliseconds)
        {
            // The bucket's last base bar has closed, and with it the bucket.
            closed.Add(Current());
            _hasBucket = false;
        }
    }

    /// <summary>Resamples a whole series; the trailing bucket is left out unless it is closed.</summary>
    public static IReadOnlyList<ResampledCandle> Resample(IEnumerable<Candle> candles, Timeframe source, Timeframe target)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var resampler = new CandleResampler(source, target);
        var closed = new List<ResampledCandle>();
        foreach (var candle in candles)
        {
            resampler.Add(candle, closed);
        }

        return closed;
    }

    private ResampledCandle Current() =>
        new(new Candle(_bucketOpenMs, _open, _high, _low, _close, _volume), Target, _bars, _expectedBars);
}
