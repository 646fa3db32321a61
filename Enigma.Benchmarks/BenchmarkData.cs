
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

    /// <summary>
    /// <paramref name="symbols"/> made-up contracts (PREFIX000USDTM, ...) in <paramref name="folder"/>, each a link to one
    /// of the shipped 5m candle files with that file's real contract terms, so a benchmark can load any number of symbols.
    /// </summary>
    public static List<ContractSpec> LinkSymbols(DirectoryInfo folder, int symbols, string prefix)
    {
        var source = Path.GetDirectoryName(CandlePath(FiveMinuteFile))!;
        var files = Directory.GetFiles(source, "*-5m.csv.gz").Order(StringComparer.Ordinal).ToArray();
        var contracts = new List<ContractSpec>();
        for (var i = 0; i < symbols; i++)
        {
            var file = files[i % files.Length];
            var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}{i:000}");
            File.CreateSymbolicLink(Path.Combine(folder.FullName, $"{name}USDT-5m.csv.gz"), file);
            var real = KnownContracts.Find(KnownContracts.ToKuCoinSymbol(Path.GetFileName(file).Split('-')[0]))!;
            contracts.Add(real with { Symbol = name + "USDTM" });
        }

        return contracts;
    }
}
