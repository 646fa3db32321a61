using Enigma.Domain.Market;

namespace Enigma.Domain.Signals;

/// <summary>
/// The Signal agent's brain for one symbol: takes each closed base candle (5m by default), builds the higher
/// timeframes by resampling (a higher candle is used only once closed), and returns the <see cref="SignalOutput"/>
/// as of that candle's close. The live actor and the backtester run this same code.
/// </summary>
public sealed class SignalEngine
{
    public static readonly IReadOnlyList<Timeframe> DefaultTimeframes = [Timeframe.FiveMinutes, Timeframe.FifteenMinutes, Timeframe.OneHour, Timeframe.FourHours];

    private readonly TimeframeAnalyzer[] _analyzers;
    private readonly CandleResampler?[] _resamplers;
    private readonly List<ResampledCandle> _closed = [];
    private readonly Contribution[] _scratch = new Contribution[IndicatorScoring.Count];

    public SignalEngine(string symbol, IReadOnlyList<Timeframe>? timeframes = null, SignalParameters? parameters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        Symbol = symbol;
        Parameters = parameters ?? SignalParameters.Default;
        Parameters.Validate();
        var frames = (timeframes ?? DefaultTimeframes).ToArray();
        if (frames.Length == 0 || frames.Distinct().Count() != frames.Length)
        {
            throw new ArgumentException("Give one or more distinct timeframes, the base (smallest) first.", nameof(timeframes));
        }

        for (var i = 1; i < frames.Length; i++)
        {
            if (frames[i] <= frames[0] || frames[i].Milliseconds % frames[0].Milliseconds != 0)
            {
                throw new ArgumentException($"Timeframe {frames[i]} cannot be built from the base {frames[0]}: it must be a larger whole multiple of it.", nameof(timeframes));
            }
        }

        Timeframes = frames;
        _analyzers = frames.Select(f => new TimeframeAnalyzer(f, Parameters)).ToArray();
        _resamplers = frames.Select((f, i) => i == 0 ? null : new CandleResampler(frames[0], f)).ToArray();
    }

    public string Symbol { get; }

    public SignalParameters Parameters { get; }

    /// <summary>The base timeframe first, then the ones built from it.</summary>
    public IReadOnlyList<Timeframe> Timeframes { get; }

    public Timeframe BaseTimeframe => Timeframes[0];

    /// <summary>Takes one closed base candle and returns the signal as of its close.</summary>
    public SignalOutput Update(in Candle candle)
    {
        Advance(candle);
        return Output(candle.OpenTimeMs + BaseTimeframe.Milliseconds);
    }

    /// <summary>The last indicator readings of one timeframe (by its index in <see cref="Timeframes"/>), for tests and inspection.</summary>
    internal Indicators.IndicatorReadings ReadingsOf(int timeframeIndex) => _analyzers[timeframeIndex].Readings;

    /// <summary>Takes one closed base candle without building an output (warm-up from history).</summary>
    public void Advance(in Candle candle)
    {
        _analyzers[0].Add(candle);
        for (var i = 1; i < _analyzers.Length; i++)
        {
            _closed.Clear();
            _resamplers[i]!.Add(candle, _closed);
            foreach (var higher in _closed)
            {
                _analyzers[i].Add(higher.Candle);
            }
        }
    }

    private SignalOutput Output(long closeTimeMs)
    {
        var p = Parameters;
        var baseFrame = _analyzers[0];
        baseFrame.Contributions.CopyTo(_scratch, 0);
        var indicatorPoints = baseFrame.IndicatorScore;

        var signals = new List<DetectedSignal>();
        double divergencePoints = 0, patternPoints = 0;
        foreach (var analyzer in _analyzers)
        {
            foreach (var (signal, _, isDivergence) in analyzer.Active)
            {
                signals.Add(signal);
                if (isDivergence)
                {
                    divergencePoints += signal.Contribution;
                }
                else
                {
                    patternPoints += signal.Contribution;
                }
            }
        }

        divergencePoints = Math.Clamp(divergencePoints, -p.MaxDivergenceScore, p.MaxDivergenceScore);
        patternPoints = Math.Clamp(patternPoints, -p.MaxPatternScore, p.MaxPatternScore);

        var (alignment, alignedDirection) = Align();
        var alignmentPoints = (alignment, alignedDirection) switch
        {
            (Alignment.Full, SignalDirection.Long) => p.WeightAlignment,
            (Alignment.Full, SignalDirection.Short) => -p.WeightAlignment,
            (Alignment.Partial, SignalDirection.Long) => p.WeightAlignment / 2,
            (Alignment.Partial, SignalDirection.Short) => -p.WeightAlignment / 2,
            _ => 0.0,
        };

        var score = Math.Clamp(indicatorPoints + divergencePoints + patternPoints + alignmentPoints, -SignalParameters.MaxScore, SignalParameters.MaxScore);
        var direction = SignalOutput.DirectionOf(score, p.SignalMinScore);

        var breakdown = new IndicatorBreakdown[IndicatorScoring.Count];
        for (var i = 0; i < breakdown.Length; i++)
        {
            breakdown[i] = new IndicatorBreakdown(IndicatorScoring.Names[i], _scratch[i].Value, _scratch[i].Points, _scratch[i].Reason);
        }

        return new SignalOutput(Symbol, direction, score, Confidence(score, alignment, alignedDirection), breakdown, signals, alignment, closeTimeMs);
    }

    /// <summary>
    /// Full when every timeframe is warm and points the same way; partial when more than half point the same way;
    /// divergent otherwise. A timeframe still warming up counts as not agreeing.
    /// </summary>
    private (Alignment Alignment, SignalDirection Direction) Align()
    {
        int longs = 0, shorts = 0;
        foreach (var analyzer in _analyzers)
        {
            switch (analyzer.Direction)
            {
                case SignalDirection.Long:
                    longs++;
                    break;
                case SignalDirection.Short:
                    shorts++;
                    break;
            }
        }

        var (agreeing, direction) = longs >= shorts ? (longs, SignalDirection.Long) : (shorts, SignalDirection.Short);
        return agreeing == _analyzers.Length ? (Alignment.Full, direction)
            : agreeing * 2 > _analyzers.Length ? (Alignment.Partial, direction)
            : (Alignment.Divergent, SignalDirection.Neutral);
    }

    /// <summary>
    /// 0..100: 60 from the score's magnitude, 25 from how many of the indicators that spoke agree with its sign,
    /// 15 from alignment in the same direction (full 15, partial 7.5).
    /// </summary>
    private double Confidence(double score, Alignment alignment, SignalDirection alignedDirection)
    {
        if (score == 0)
        {
            return 0;
        }

        int spoke = 0, agreed = 0;
        foreach (var contribution in _scratch)
        {
            if (contribution.Points != 0)
            {
                spoke++;
                agreed += Math.Sign(contribution.Points) == Math.Sign(score) ? 1 : 0;
            }
        }

        var agreement = spoke == 0 ? 0 : (double)agreed / spoke;
        var sameWay = (alignedDirection == SignalDirection.Long) == (score > 0) && alignedDirection != SignalDirection.Neutral;
        var alignmentShare = !sameWay ? 0 : alignment == Alignment.Full ? 1.0 : alignment == Alignment.Partial ? 0.5 : 0;
        return Math.Clamp((60 * Math.Abs(score) / SignalParameters.MaxScore) + (25 * agreement) + (15 * alignmentShare), 0, 100);
    }
}
