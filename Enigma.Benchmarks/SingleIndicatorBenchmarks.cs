using BenchmarkDotNet.Attributes;
using Enigma.Domain.Indicators;

namespace Enigma.Benchmarks;

/// <summary>
/// What each indicator costs per bar on its own, fed doubles (no decimal conversion), on the real Bybit BTCUSDT 5m
/// stream. Shows where the set's time goes.
/// </summary>
[MemoryDiagnoser]
public class SingleIndicatorBenchmarks
{
    private long[] _time = [];
    private double[] _high = [];
    private double[] _low = [];
    private double[] _close = [];
    private double[] _volume = [];
    private long _span;
    private long _shift;
    private int _next;
    private readonly Rsi _rsi = new();
    private readonly Ema _ema = new(12);
    private readonly Macd _macd = new();
    private readonly WilliamsR _williamsR = new();
    private readonly AwesomeOscillator _ao = new();
    private readonly Stochastic _stochastic = new();
    private readonly BollingerBands _bollinger = new();
    private readonly OnBalanceVolume _obv = new();
    private readonly Kdj _kdj = new();
    private readonly IndicatorSet _set = new();

    [GlobalSetup]
    public void Setup()
    {
        var candles = BenchmarkData.Load(BenchmarkData.FiveMinuteFile).Candles;
        _time = [.. candles.Select(c => c.OpenTimeMs)];
        _high = [.. candles.Select(c => (double)c.High)];
        _low = [.. candles.Select(c => (double)c.Low)];
        _close = [.. candles.Select(c => (double)c.Close)];
        _volume = [.. candles.Select(c => (double)c.Volume)];
        _span = _time[^1] - _time[0] + 300_000;
        for (var i = 0; i < 1000; i++)
        {
            Rsi();
            Ema();
            Macd();
            WilliamsR();
            AwesomeOscillator();
            Stochastic();
            Bollinger();
            Obv();
            Kdj();
            SetOfDoubles();
        }
    }

    [Benchmark]
    public void Rsi() => _rsi.Update(Time(), _close[_next]);

    [Benchmark]
    public void Ema() => _ema.Update(Time(), _close[_next]);

    [Benchmark]
    public void Macd() => _macd.Update(Time(), _close[_next]);

    [Benchmark]
    public void WilliamsR() => _williamsR.Update(Time(), _high[_next], _low[_next], _close[_next]);

    [Benchmark]
    public void AwesomeOscillator() => _ao.Update(Time(), _high[_next], _low[_next]);

    [Benchmark]
    public void Stochastic() => _stochastic.Update(Time(), _high[_next], _low[_next], _close[_next]);

    [Benchmark]
    public void Bollinger() => _bollinger.Update(Time(), _close[_next]);

    [Benchmark]
    public void Obv() => _obv.Update(Time(), _close[_next], _volume[_next]);

    [Benchmark]
    public void Kdj() => _kdj.Update(Time(), _high[_next], _low[_next], _close[_next]);

    [Benchmark(Description = "all nine, doubles")]
    public void SetOfDoubles() => _set.Update(Time(), _high[_next], _low[_next], _close[_next], _volume[_next]);

    /// <summary>Advances to the next bar (wrapping, with time shifted forward) and returns its time.</summary>
    private long Time()
    {
        if (++_next == _time.Length)
        {
            _next = 0;
            _shift += _span;
        }

        return _time[_next] + _shift;
    }
}
