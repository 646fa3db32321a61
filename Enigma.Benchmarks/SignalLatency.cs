using Enigma.Domain.Signals;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- latency [passes]</c>: replays the 90 days of ETHUSDT 5m
/// candles through the Signal engine (after a warm-up pass) and records every Update's latency in an HdrHistogram,
/// for the percentiles BenchmarkDotNet does not give. Prints mean, p50, p90, p99, p99.9 and max in microseconds.
/// </summary>
internal static class SignalLatency
{
    public static void Run(int passes)
    {
        var candles = BenchmarkData.Load("bybit-linear/ETHUSDT-5m.csv.gz").Candles;
        var span = candles[^1].OpenTimeMs - candles[0].OpenTimeMs + Timeframe.FourHours.Milliseconds;
        span += Timeframe.OneDay.Milliseconds - (span % Timeframe.OneDay.Milliseconds);
        var engine = new SignalEngine("ETHUSDTM");
        var histogram = new LongHistogram(TimeStamp.Seconds(1), 3);
        var shift = 0L;
        for (var pass = 0; pass <= passes; pass++, shift += span)
        {
            foreach (var candle in candles)
            {
                var shifted = candle with { OpenTimeMs = candle.OpenTimeMs + shift };
                var start = Stopwatch.GetTimestamp();
                var output = engine.Update(shifted);
                var elapsed = Stopwatch.GetTimestamp() - start;
                if (pass > 0)
                {
                    histogram.RecordValue(elapsed);
                }

                GC.KeepAlive(output);
            }
        }

        double Micros(double ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SignalEngine.Update latency over {histogram.TotalCount} candles ({passes} pass(es) of {candles.Length}, after one warm-up pass): " +
            $"mean {Micros(histogram.GetMean()):F2} us, p50 {Micros(histogram.GetValueAtPercentile(50)):F2} us, p90 {Micros(histogram.GetValueAtPercentile(90)):F2} us, " +
            $"p99 {Micros(histogram.GetValueAtPercentile(99)):F2} us, p99.9 {Micros(histogram.GetValueAtPercentile(99.9)):F2} us, max {Micros(histogram.GetMaxValue()):F2} us"));
    }
}
