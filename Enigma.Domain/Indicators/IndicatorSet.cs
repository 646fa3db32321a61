using Enigma.Domain.Market;

namespace Enigma.Domain.Indicators;

/// <summary>What every indicator of a set reads after the latest bar; null while an indicator is warming up.</summary>
public readonly record struct IndicatorReadings(
    long TimestampMs,
    double? Rsi,
    double? EmaFast,
    double? EmaSlow,
    MacdValue? Macd,
    double? WilliamsR,
    double? AwesomeOscillator,
    StochasticValue? Stochastic,
    BollingerValue? Bollinger,
    double? Obv,
    KdjValue? Kdj);

public sealed record IndicatorSetState(
    IndicatorSettings Settings,
    long Bars,
    long LastTimestampMs,
    RsiState Rsi,
    EmaState EmaFast,
    EmaState EmaSlow,
    MacdState Macd,
    WilliamsRState WilliamsR,
    AwesomeOscillatorState AwesomeOscillator,
    StochasticState Stochastic,
    BollingerBandsState Bollinger,
    OnBalanceVolumeState Obv,
    KdjState Kdj);

/// <summary>
/// The Signal agent's nine indicators for one symbol and timeframe, updated together once per closed candle.
/// The candle is checked once, before any indicator changes, so a rejected candle leaves the whole set as it was.
/// Allocation-free per update; <see cref="Snapshot"/> and <see cref="Restore"/> carry the state across restarts.
/// </summary>
public sealed class IndicatorSet
{
    private const string SetName = "indicator set";
    private readonly Rsi _rsi;
    private readonly Ema _emaFast;
    private readonly Ema _emaSlow;
    private readonly Macd _macd;
    private readonly WilliamsR _williamsR;
    private readonly AwesomeOscillator _ao;
    private readonly Stochastic _stochastic;
    private readonly BollingerBands _bollinger;
    private readonly OnBalanceVolume _obv;
    private readonly Kdj _kdj;
    private long _lastTimestampMs = long.MinValue;

    public IndicatorSet(IndicatorSettings? settings = null)
    {
        Settings = settings ?? IndicatorSettings.Default;
        var s = Settings;
        _rsi = new Rsi(s.RsiPeriod);
        _emaFast = new Ema(s.EmaFastPeriod);
        _emaSlow = new Ema(s.EmaSlowPeriod);
        _macd = new Macd(s.MacdFastPeriod, s.MacdSlowPeriod, s.MacdSignalPeriod);
        _williamsR = new WilliamsR(s.WilliamsRPeriod);
        _ao = new AwesomeOscillator(s.AoFastPeriod, s.AoSlowPeriod);
        _stochastic = new Stochastic(s.StochasticKPeriod, s.StochasticKSmoothing, s.StochasticDPeriod);
        _bollinger = new BollingerBands(s.BollingerPeriod, s.BollingerDeviations);
        _obv = new OnBalanceVolume();
        _kdj = new Kdj(s.KdjPeriod, s.KdjKSmoothing, s.KdjDSmoothing);
    }

    private IndicatorSet(IndicatorSettings settings, IndicatorSetState state)
    {
        Settings = settings;
        _rsi = Rsi.Restore(state.Rsi);
        _emaFast = Ema.Restore(state.EmaFast);
        _emaSlow = Ema.Restore(state.EmaSlow);
        _macd = Macd.Restore(state.Macd);
        _williamsR = WilliamsR.Restore(state.WilliamsR);
        _ao = AwesomeOscillator.Restore(state.AwesomeOscillator);
        _stochastic = Stochastic.Restore(state.Stochastic);
        _bollinger = BollingerBands.Restore(state.Bollinger);
        _obv = OnBalanceVolume.Restore(state.Obv);
        _kdj = Kdj.Restore(state.Kdj);
        Bars = state.Bars;
        _lastTimestampMs = state.LastTimestampMs;
        var expected = new IndicatorSet(settings);
        IndicatorState.Require(
            _rsi.Name == expected._rsi.Name && _emaFast.Name == expected._emaFast.Name && _emaSlow.Name == expected._emaSlow.Name
            && _macd.Name == expected._macd.Name && _williamsR.Name == expected._williamsR.Name && _ao.Name == expected._ao.Name
            && _stochastic.Name == expected._stochastic.Name && _bollinger.Name == expected._bollinger.Name && _kdj.Name == expected._kdj.Name,
            SetName,
            "the indicators' periods do not match the settings");
    }

    public IndicatorSettings Settings { get; }

    /// <summary>Candles taken so far.</summary>
    public long Bars { get; private set; }

    public IndicatorReadings Readings => new(
        _lastTimestampMs,
        _rsi.Value,
        _emaFast.Value,
        _emaSlow.Value,
        _macd.Value,
        _williamsR.Value,
        _ao.Value,
        _stochastic.Value,
        _bollinger.Value,
        _obv.Value,
        _kdj.Value);

    /// <summary>Takes one closed candle.</summary>
    public void Update(in Candle candle) =>
        Update(candle.OpenTimeMs, (double)candle.High, (double)candle.Low, (double)candle.Close, (double)candle.Volume);

    /// <summary>Takes one closed bar given as doubles (the research and benchmark path).</summary>
    public void Update(long timestampMs, double high, double low, double close, double volume)
    {
        InputGuard.Time(SetName, _lastTimestampMs, timestampMs);
        InputGuard.Range(SetName, high, low, close, timestampMs);
        InputGuard.Value(SetName, "volume", volume, timestampMs);

        _lastTimestampMs = timestampMs;
        Bars++;
        _rsi.Apply(timestampMs, close);
        _emaFast.Apply(timestampMs, close);
        _emaSlow.Apply(timestampMs, close);
        _macd.Apply(timestampMs, close);
        _williamsR.Apply(timestampMs, high, low, close);
        _ao.Apply(timestampMs, high, low);
        _stochastic.Apply(timestampMs, high, low, close);
        _bollinger.Apply(timestampMs, close);
        _obv.Apply(timestampMs, close, volume);
        _kdj.Apply(timestampMs, high, low, close);
    }

    public IndicatorSetState Snapshot() => new(
        Settings,
        Bars,
        _lastTimestampMs,
        _rsi.Snapshot(),
        _emaFast.Snapshot(),
        _emaSlow.Snapshot(),
        _macd.Snapshot(),
        _williamsR.Snapshot(),
        _ao.Snapshot(),
        _stochastic.Snapshot(),
        _bollinger.Snapshot(),
        _obv.Snapshot(),
        _kdj.Snapshot());

    public static IndicatorSet Restore(IndicatorSetState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Settings);
        IndicatorState.Require(state.Bars >= 0, SetName, "bar count is negative");
        return new IndicatorSet(state.Settings, state);
    }
}
