using Enigma.Domain.Market;

namespace Enigma.Benchmarks;

/// <summary>Real candles from the repository's knowledge bank, found by walking up from the benchmark's folder.</summary>
internal static class BenchmarkData
{
    public const string FiveMinuteFile = "bybit-linear/BTCUSDT-5m.csv.gz";

    public static string CandlePath(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "knowledge-bank", "historical-data", "candles", relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"knowledge-bank/historical-data/candles/{relative} not found above {AppContext.BaseDirectory}");
    }

    public static CandleFile Load(string relative) => CandleCsvReader.Load(CandlePath(relative)).EnsureUsable();
}
