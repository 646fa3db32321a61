using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Domain.Backtesting;

/// <summary>
/// The risk inputs (last close, ATR, recent returns) after every candle of a slice, recorded once by the live
/// <see cref="RiskInputs"/> with its history kept. They do not depend on any strategy parameter, so every parameter set
/// backtested on the slice shares one.
/// </summary>
public sealed class RiskTape
{
    private readonly RiskInputs _inputs;
    private readonly RiskInputsMark[] _marks;

    public RiskTape(IReadOnlyList<Candle> candles, ContractSpec contract)
    {
        ArgumentNullException.ThrowIfNull(candles);
        _inputs = new RiskInputs(contract, retainHistory: true);
        _marks = new RiskInputsMark[candles.Count];
        for (var i = 0; i < candles.Count; i++)
        {
            _inputs.Update(candles[i]);
            _marks[i] = _inputs.Mark();
        }
    }

    /// <summary>The gate's request after candle <paramref name="index"/>, as the live Risk entity would have made it.</summary>
    public RiskRequest? Request(int index, Side side) => _inputs.RequestAt(_marks[index], side);
}

/// <summary>
/// The Signal agent's engine run once over a slice of candles with one set of signal parameters: after every candle,
/// the score, the alignment and which indicators pointed up or down. The threshold SIGNAL_MIN_SCORE is applied when
/// the tape is read (<see cref="SignalOutput.DirectionOf"/>), so one tape serves every threshold and every risk
/// parameter: of the seed's 8,640 combinations, only 27 differ in their signals.
/// </summary>
public sealed class SignalTape
{
    private static readonly string[][] AgreeingByMask = BuildAgreeing();
    private readonly long[] _openTimes;
    private readonly double[] _scores;
    private readonly Alignment[] _alignments;
    private readonly ushort[] _up;
    private readonly ushort[] _down;

    public SignalTape(IReadOnlyList<Candle> candles, ContractSpec contract, SignalParameters parameters, RiskTape risk, IReadOnlyList<Timeframe>? timeframes = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(contract);
        Risk = risk ?? throw new ArgumentNullException(nameof(risk));
        var engine = new SignalEngine(contract.Symbol, timeframes, parameters);
        BaseTimeframe = engine.BaseTimeframe;
        _openTimes = new long[candles.Count];
        _scores = new double[candles.Count];
        _alignments = new Alignment[candles.Count];
        _up = new ushort[candles.Count];
        _down = new ushort[candles.Count];
        for (var i = 0; i < candles.Count; i++)
        {
            var output = engine.Update(candles[i]);
            _openTimes[i] = candles[i].OpenTimeMs;
            _scores[i] = output.Score;
            _alignments[i] = output.Alignment;
            for (var k = 0; k < output.Indicators.Count; k++)
            {
                var contribution = output.Indicators[k].Contribution;
                if (contribution > 0)
                {
                    _up[i] |= (ushort)(1 << k);
                }
                else if (contribution < 0)
                {
                    _down[i] |= (ushort)(1 << k);
                }
            }
        }
    }

    public RiskTape Risk { get; }

    public Timeframe BaseTimeframe { get; }

    public int Count => _openTimes.Length;

    public long OpenTimeMs(int index) => _openTimes[index];

    public double Score(int index) => _scores[index];

    public Alignment Alignment(int index) => _alignments[index];

    /// <summary>The indicators whose contribution pointed to <paramref name="side"/> after candle <paramref name="index"/>.</summary>
    public IReadOnlyList<string> Agreeing(int index, Side side) => AgreeingByMask[side == Side.Long ? _up[index] : _down[index]];

    private static string[][] BuildAgreeing()
    {
        if (IndicatorScoring.Count > 16)
        {
            throw new InvalidOperationException("a tape keeps the indicators' directions in 16 bits.");
        }

        var all = new string[1 << IndicatorScoring.Count][];
        for (var mask = 0; mask < all.Length; mask++)
        {
            all[mask] = [.. Enumerable.Range(0, IndicatorScoring.Count).Where(k => (mask & (1 << k)) != 0).Select(k => IndicatorScoring.Names[k])];
        }

        return all;
    }
}

/// <summary>
/// Tapes recorded once per slice of candles and shared by every backtest on it, from any thread: one risk tape per
/// slice, one signal tape per slice and distinct signal parameters (SIGNAL_MIN_SCORE aside). A slice is known by the
/// list object itself, and its tapes go when it does.
/// </summary>
public sealed class BacktestTapes
{
    private readonly ConditionalWeakTable<IReadOnlyList<Candle>, SliceTapes> _slices = new();

    public SignalTape Signal(IReadOnlyList<Candle> candles, ContractSpec contract, SignalParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(parameters);
        var slice = _slices.GetValue(candles, c => new SliceTapes(c, contract));
        var key = parameters with { SignalMinScore = SignalParameters.MaxScore };
        return slice.Signals.GetOrAdd(key, k => new Lazy<SignalTape>(() => new SignalTape(candles, contract, k, slice.Risk.Value))).Value;
    }

    private sealed class SliceTapes(IReadOnlyList<Candle> candles, ContractSpec contract)
    {
        public Lazy<RiskTape> Risk { get; } = new(() => new RiskTape(candles, contract));

        public ConcurrentDictionary<SignalParameters, Lazy<SignalTape>> Signals { get; } = new();
    }
}
