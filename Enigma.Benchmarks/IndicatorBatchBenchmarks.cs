using BenchmarkDotNet.Attributes;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Indicators;

namespace Enigma.Benchmarks;

/// <summary>
/// A whole shipped 5m file (Bybit BTCUSDT, 25,919 candles): indicators only, and what <c>enigma indicators</c>
/// does end to end (read and check the gzip CSV, compute, format the output CSV). Candles per second =
/// 25,919 / mean.
/// </summary>
[MemoryDiagnoser]
public class IndicatorBatchBenchmarks
{
    private CandleFile _file = null!;
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchmarkData.CandlePath(BenchmarkData.FiveMinuteFile);
        _file = CandleCsvReader.Load(_path).EnsureUsable();
    }

    [Benchmark(Description = "compute nine indicators over the file")]
    public double Compute()
    {
        var set = new IndicatorSet();
        foreach (var candle in _file.Candles)
        {
            set.Update(candle);
        }

        return set.Readings.Rsi ?? 0;
    }

    [Benchmark(Description = "load + check + compute + write CSV (enigma indicators)")]
    public long LoadComputeWrite()
    {
        var file = CandleCsvReader.Load(_path).EnsureUsable();
        using var sink = new CountingStream();
        IndicatorsCommand.Write(file, sink);
        return sink.Length;
    }

    /// <summary>Counts bytes instead of hitting the disk, so the figure is the program's, not the file system's.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
