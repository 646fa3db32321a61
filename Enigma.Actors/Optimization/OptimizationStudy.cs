using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;

namespace Enigma.Actors.Optimization;

/// <summary>
/// What every optimizer node needs to run any job of one parameter search: where its 5m candles are (a folder each
/// node reads on its own disk: the same checkout, image or mount), which symbol and time range, the strategy, and the
/// account settings. Jobs carry only their period and parameters.
/// </summary>
public sealed record OptimizationStudy(string StudyId, string DataFolder, string Symbol, long FromMs, long ToMs, string Strategy, decimal Stake, decimal? FeeRate, decimal InitialBalance)
{
    /// <summary>Loads the study's candles and builds its workbench; an <see cref="ArgumentException"/> or <see cref="IOException"/> names what is wrong.</summary>
    public BacktestWorkbench OpenWorkbench()
    {
        var contract = KnownContracts.Find(Symbol) ?? throw new ArgumentException($"study {StudyId}: unknown symbol '{Symbol}'.");
        var file = CandleFiles.Find(DataFolder, Symbol) ?? throw new FileNotFoundException($"study {StudyId}: no 5m candle file for {Symbol} in {DataFolder}.");
        var candles = CandleCsvReader.Load(file, Timeframe.FiveMinutes).EnsureUsable().Candles.Where(c => c.OpenTimeMs >= FromMs && c.OpenTimeMs < ToMs).ToList();
        if (candles.Count == 0)
        {
            throw new ArgumentException($"study {StudyId}: {file} has no candle between {FromMs} and {ToMs}.");
        }

        var settings = new BacktestSettings { FeeRate = FeeRate, InitialBalance = InitialBalance };
        return new BacktestWorkbench(candles, contract, Timeframe.FiveMinutes, set => StrategyCatalog.Recipe(Strategy, set.Values, Stake), settings);
    }
}

/// <summary>The shipped candle files: BTCUSDT-5m.csv.gz holds XBTUSDTM, ETHUSDT-5m.csv holds ETHUSDTM.</summary>
public static class CandleFiles
{
    /// <summary>The 5m file of <paramref name="symbol"/> in <paramref name="folder"/>, or null.</summary>
    public static string? Find(string folder, string symbol)
    {
        var directory = new DirectoryInfo(folder);
        return !directory.Exists ? null : directory.EnumerateFiles("*-5m.csv*").Where(f =>
        {
            try
            {
                return KnownContracts.ToKuCoinSymbol(f.Name[..f.Name.IndexOf('-', StringComparison.Ordinal)]) == symbol;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }).OrderBy(f => f.Name, StringComparer.Ordinal).FirstOrDefault()?.FullName;
    }
}
