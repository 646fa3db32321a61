using System.Globalization;
using Spectre.Console;
using Enigma.Domain.Market;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// What the verbs read from their command line, in one place: candle files (every way one can fail turned into one
/// clear message), symbols, durations and time ranges.
/// </summary>
internal static class CommandInput
{
    private const int ListedProblems = 20;

    /// <summary>Returns the loaded file, or null after reporting why it cannot be used.</summary>
    public static CandleFile? Load(Terminal terminal, FileInfo input, Timeframe? timeframe, bool rejectErrors)
    {
        if (!input.Exists)
        {
            terminal.Fail(ExitCodes.BadInput, $"input file '{input.FullName}' does not exist.");
            return null;
        }

        CandleFile file;
        try
        {
            file = CandleCsvReader.Load(input.FullName, timeframe);
        }
        catch (CandleDataException e)
        {
            terminal.Fail(ExitCodes.BadInput, e.Message);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            terminal.Fail(ExitCodes.BadInput, $"cannot read '{input.FullName}': {e.Message}");
            return null;
        }

        if (rejectErrors && file.HasErrors)
        {
            ReportErrors(terminal, file);
            return null;
        }

        return file;
    }

    public static void ReportErrors(Terminal terminal, CandleFile file)
    {
        var errors = file.Errors.ToList();
        terminal.Fail(ExitCodes.BadInput, string.Create(CultureInfo.InvariantCulture, $"{file.Path}: {errors.Count} problem(s) in the candle data; nothing was written."));
        foreach (var issue in errors.Take(ListedProblems))
        {
            terminal.ErrorLine($"  {issue}");
        }

        if (errors.Count > ListedProblems)
        {
            terminal.ErrorLine(string.Create(CultureInfo.InvariantCulture, $"  ... and {errors.Count - ListedProblems} more (run 'enigma candles check' for the full list)"));
        }
    }

    public static void WarnAboutGaps(Terminal terminal, CandleFile file)
    {
        var gaps = file.Gaps.Count();
        if (gaps > 0)
        {
            terminal.Warn(string.Create(CultureInfo.InvariantCulture,
                $"{file.Path}: {gaps} gap(s), {file.MissingBars} missing {file.Timeframe} bar(s); rows are used as they are, nothing is filled."));
        }
    }

    /// <summary>Symbols given space- or comma-separated, in any case, each a known contract.</summary>
    public static bool TryParseSymbols(string[]? given, out List<ContractSpec> contracts, out string problem)
    {
        contracts = [];
        problem = "";
        foreach (var symbol in (given ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(s => s.ToUpperInvariant()).Distinct())
        {
            if (KnownContracts.Find(symbol) is not { } contract)
            {
                problem = $"--symbols: '{symbol}' is not a known contract (known: {string.Join(", ", KnownContracts.All.Select(c => c.Symbol))}).";
                return false;
            }

            contracts.Add(contract);
        }

        return true;
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        duration = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }

    /// <summary>
    /// The symbol's 5m candles opened in [<paramref name="fromMs"/>, <paramref name="toMs"/>), or null once the problem
    /// (no file, unreadable rows, nothing in the range) has been reported.
    /// </summary>
    public static List<Candle>? LoadCandles(Terminal terminal, DirectoryInfo folder, ContractSpec contract, long fromMs, long toMs, string range)
    {
        var file = DataFile(folder, contract.Symbol);
        if (file is null)
        {
            terminal.Fail(ExitCodes.BadInput, $"no 5m candle file for {contract.Symbol} in {folder.FullName} (expected a name like {(contract.Symbol.StartsWith("XBT", StringComparison.Ordinal) ? "BTC" : contract.Symbol[..^5])}USDT-5m.csv.gz).");
            return null;
        }

        if (CommandInput.Load(terminal, file, Timeframe.FiveMinutes, rejectErrors: true) is not { } loaded)
        {
            return null;
        }

        var candles = loaded.Candles.Where(c => c.OpenTimeMs >= fromMs && c.OpenTimeMs < toMs).ToList();
        if (candles.Count == 0)
        {
            terminal.Fail(ExitCodes.BadInput, $"{file.Name} has no candle in the timerange '{range}'.");
            return null;
        }

        return candles;
    }

    public static bool TryTimerange(string text, out long fromMs, out long toMs, out string error)
    {
        (fromMs, toMs, error) = (long.MinValue, long.MaxValue, "");
        if (text.Length == 0)
        {
            return true;
        }

        var parts = text.Split('-');
        static bool Day(string part, out long ms)
        {
            ms = 0;
            if (!DateTime.TryParseExact(part, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
            {
                return false;
            }

            ms = new DateTimeOffset(day, TimeSpan.Zero).ToUnixTimeMilliseconds();
            return true;
        }

        if (parts.Length != 2 || (parts[0].Length > 0 && !Day(parts[0], out fromMs)) || (parts[1].Length > 0 && !Day(parts[1], out toMs)) || fromMs >= toMs)
        {
            (fromMs, toMs) = (long.MinValue, long.MaxValue);
            error = $"--timerange '{text}' must be YYYYMMDD-YYYYMMDD with the start before the end (either side may be empty: 20250403-).";
            return false;
        }

        return true;
    }

    /// <summary>BTCUSDT-5m.csv.gz for XBTUSDTM, ETHUSDT-5m.csv for ETHUSDTM.</summary>
    private static FileInfo? DataFile(DirectoryInfo folder, string symbol) =>
        Actors.Optimization.CandleFiles.Find(folder.FullName, symbol) is { } path ? new FileInfo(path) : null;
}
