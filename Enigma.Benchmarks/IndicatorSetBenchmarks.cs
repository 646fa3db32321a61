using BenchmarkDotNet.Attributes;
using Enigma.Domain.Indicators;

namespace Enigma.Benchmarks;

/// <summary>
/// One closed candle into all nine indicators (the Signal agent's hot path), on the real Bybit BTCUSDT 5m stream.
/// Each invocation takes the next candle; when the file runs out it starts over, shifted forward in time by the
/// file's span so that time keeps increasing and the set stays in steady state.
/// </summary>
[MemoryDiagnoser]
public class IndicatorSetBenchmarks
{
    private Candle[] _candles = [];
    private IndicatorSet _set = new();
    private IndicatorReadings _sink;
    private int _next;
    private long _shift;
    private long _span;

    [GlobalSetup]
    public void Setup()
    {
        _candles = [.. BenchmarkData.Load(BenchmarkData.FiveMinuteFile).Candles];
        _span = _candles[^1].OpenTimeMs - _candles[0].OpenTimeMs + 300_000;
        _set = new IndicatorSet();
        for (var i = 0; i < 1000; i++)
        {
            Step();
        }
    }

    [Benchmark(Description = "all nine indicators, one candle")]
    public void UpdateAllNine() => Step();

    [Benchmark(Description = "all nine indicators, one candle, then read every value")]
    public IndicatorReadings UpdateAllNineAndRead()
    {
        Step();
        _sink = _set.Readings;
        return _sink;
    }

    private void Step()
    {
        var candle = _candles[_next];
        _set.Update(candle with { OpenTimeMs = candle.OpenTimeMs + _shift });
        if (++_next == _candles.Length)
        {
            _next = 0;
            _shift += _span;
        }
    }
}
