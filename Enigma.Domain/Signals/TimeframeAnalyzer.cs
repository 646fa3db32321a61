using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Domain.Signals;

/// <summary>
/// Everything the Signal agent computes on one timeframe: the nine indicators, their scores, divergences and the
/// recent signals that still count. Fed closed candles of its own timeframe only. Allocation-free per bar except
/// when a divergence is found.
/// </summary>
internal sealed class TimeframeAnalyzer
{
    private readonly SignalParameters _parameters;
    private readonly IndicatorSet _indicators;
    private readonly PivotDetector _pivots;
    private readonly DivergenceDetector _divergences;
    private readonly PatternDetector _patterns = new();
    private readonly List<ChartPattern> _confirmedPatterns = [];
    private readonly double[] _obvHistory;
    private readonly List<Divergence> _found = [];
    private IndicatorReadings _previous;
    private long _bars;

    public TimeframeAnalyzer(Timeframe timeframe, SignalParameters parameters)
    {
        Timeframe = timeframe;
        Label = timeframe.ToString();
        _parameters = parameters;
        _indicators = new IndicatorSet(new IndicatorSettings { RsiPeriod = parameters.RsiPeriod });
        _pivots = new PivotDetector(parameters.PivotStrength);
        _divergences = new DivergenceDetector(parameters.Divergence);
        _obvHistory = new double[parameters.ObvSlopeBars + 1];
    }

    public Timeframe Timeframe { get; }

    public string Label { get; }

    public Contribution[] Contributions { get; } = new Contribution[IndicatorScoring.Count];

    /// <summary>Divergences and patterns still inside their memory window, with their signed points.</summary>
    public List<(DetectedSignal Signal, long ExpiresAfterBar, bool IsDivergence)> Active { get; } = [];

    public IndicatorReadings Readings => _indicators.Readings;

    /// <summary>Sum of the nine indicators' contributions on the last bar.</summary>
    public double IndicatorScore { get; private set; }

    /// <summary>All nine indicators have values.</summary>
    public bool IsWarm { get; private set; }

    public SignalDirection Direction =>
        !IsWarm ? SignalDirection.Neutral
        : IndicatorScore >= _parameters.TimeframeDirectionScore && IndicatorScore > 0 ? SignalDirection.Long
        : IndicatorScore <= -_parameters.TimeframeDirectionScore && IndicatorScore < 0 ? SignalDirection.Short
        : SignalDirection.Neutral;

    public void Add(in Candle candle)
    {
        var closeTime = candle.OpenTimeMs + Timeframe.Milliseconds;
        double high = (double)candle.High, low = (double)candle.Low, close = (double)candle.Close;
        _indicators.Update(candle.OpenTimeMs, high, low, close, (double)candle.Volume);
        var now = _indicators.Readings;

        var slot = (int)(_bars % _obvHistory.Length);
        var obvBack = _bars >= _obvHistory.Length - 1 ? _obvHistory[(int)((_bars + 1) % _obvHistory.Length)] : double.NaN;
        _obvHistory[slot] = now.Obv ?? double.NaN;
        _bars++;

        IndicatorScoring.Score(now, _previous, close, obvBack, _parameters, Contributions);
        var score = 0.0;
        var warm = true;
        foreach (var contribution in Contributions)
        {
            score += contribution.Points;
            warm &= !ReferenceEquals(contribution.Reason, IndicatorScoring.WarmingUp);
        }

        IndicatorScore = score;
        IsWarm = warm;
        _previous = now;

        for (var i = Active.Count - 1; i >= 0; i--)
        {
            if (Active[i].ExpiresAfterBar < _bars)
            {
                Active.RemoveAt(i);
            }
        }

        _found.Clear();
        _confirmedPatterns.Clear();
        var (pivotHigh, pivotLow) = _pivots.Add(closeTime, high, low, OscillatorValues.From(now));
        OnPivot(pivotLow);
        OnPivot(pivotHigh);

        _patterns.AddBar(_bars - 1, closeTime, close, _confirmedPatterns);
        foreach (var divergence in _found)
        {
            Active.Add((ToSignal(divergence), _bars + _parameters.SignalMemoryBars - 1, true));
        }

        foreach (var pattern in _confirmedPatterns)
        {
            Active.Add((ToSignal(pattern), _bars + _parameters.SignalMemoryBars - 1, false));
        }
    }

    private void OnPivot(Pivot? pivot)
    {
        if (pivot is { } confirmed)
        {
            _divergences.AddPivot(confirmed, _found);
            _patterns.AddPivot(confirmed);
        }
    }

    private DetectedSignal ToSignal(in ChartPattern pattern) => new(
        PatternKindNames[(int)pattern.Kind],
        Label,
        null,
        pattern.StartTimeMs,
        pattern.ConfirmedAtMs,
        pattern.ConfirmedAtMs,
        pattern.Bars,
        pattern.Strength,
        (pattern.IsBullish ? 1 : -1) * _parameters.WeightPattern * pattern.Strength);

    private static readonly string[] PatternKindNames = ["headAndShoulders", "inverseHeadAndShoulders", "doubleTop", "doubleBottom", "risingWedge", "fallingWedge"];

    private DetectedSignal ToSignal(in Divergence divergence)
    {
        var weight = divergence.Kind is DivergenceKind.RegularBullish or DivergenceKind.RegularBearish
            ? _parameters.WeightRegularDivergence
            : _parameters.WeightHiddenDivergence;
        var points = (divergence.IsBullish ? 1 : -1) * weight * divergence.Strength;
        return new DetectedSignal(
            DivergenceKindNames[(int)divergence.Kind],
            Label,
            OscillatorNames[(int)divergence.Oscillator],
            divergence.First.BarCloseTimeMs,
            divergence.Second.BarCloseTimeMs,
            divergence.ConfirmedAtMs,
            divergence.Bars,
            divergence.Strength,
            points);
    }

    private static readonly string[] DivergenceKindNames = ["regularBullishDivergence", "hiddenBullishDivergence", "regularBearishDivergence", "hiddenBearishDivergence"];

    private static readonly string[] OscillatorNames = ["rsi", "macdHistogram", "stochasticK", "obv", "awesomeOscillator"];
}
