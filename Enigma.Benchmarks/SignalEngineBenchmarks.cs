using BenchmarkDotNet.Attributes;
using Enigma.Domain.Signals;

namespace Enigma.Benchmarks;

/// <summary>
/// One closed 5m candle into the Signal engine for one symbol (5m, 15m, 1h, 4h): indicators, divergences, patterns,
/// alignment and score. <c>Update</c> builds the full SignalOutput; <c>Advance</c> is the analysis path alone.
/// Real Bybit ETHUSDT 5m candles, cycling with time shifted forward.
/// </summary>
[MemoryDiagnoser]
public class SignalEngineBenchmarks
{
    private Candle[] _candles = [];
    private SignalEngine _engine = null!;
    private int _next;
    private long _shift;
    private long _span;

    [GlobalSetup]
    public void Setup()
    {
        _candles = [.. BenchmarkData.Load("bybit-linear/ETHUSDT-5m.csv.gz").Candles];
        // A whole number of days longer than the file, so the replayed candles stay on every timeframe's grid.
        _span = _candles[^1].OpenTimeMs - _candles[0].OpenTimeMs + Timeframe.FourHours.Milliseconds;
        _span += Timeframe.OneDay.Milliseconds - (_span % Timeframe.OneDay.Milliseconds);
        _engine = new SignalEngine("ETHUSDTM");
        for (var i = 0; i < 5_000; i++)
        {
            _engine.Advance(NextCandle());
        }
    }

    [Benchmark(Description = "SignalOutput for one closed candle (4 timeframes)")]
    public SignalOutput Update() => _engine.Update(NextCandle());

    [Benchmark(Description = "analysis only, no output object (4 timeframes)")]
    public void Advance() => _engine.Advance(NextCandle());

    private Candle NextCandle()
    {
        var candle = _candles[_next] with { OpenTimeMs = _candles[_next].OpenTimeMs + _shift };
        if (++_next == _candles.Length)
        {
            _next = 0;
            _shift += _span;
        }

        return candle;
    }
}
