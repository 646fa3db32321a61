using System.Globalization;
using Spectre.Console;
using Enigma.Domain.Market;

namespace Enigma.Cluster.Host.Commands;

/// <summary>Loads an input candle file for a verb, turning every way it can fail into one clear message.</summary>
internal static class CandleInput
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
}
