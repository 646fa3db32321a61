using System.CommandLine;
using System.Globalization;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma paper [--symbols ...] [--speed N] [--duration 10m] [--data-dir DIR]</c>: one node with every agent, an
/// SQLite journal under the data folder, and the simulator in-process replaying the shipped candles; paper trading
/// through the same client and agents as live trading, with a status line every few seconds, until the duration ends
/// or Ctrl+C. The simulator keeps its venue log in the
/// same folder, so a second run resumes both the journal and the paper account where the first one stopped.
/// </summary>
public static class PaperCommand
{
    public static Command Build()
    {
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols to trade.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["XBTUSDTM", "ETHUSDTM"] };
        var speed = new Option<double>("--speed") { Description = "Replay speed of the simulator (1 = real time).", DefaultValueFactory = _ => 60 };
        var resume = new Option<bool>("--resume") { Description = "Resume by hand after an emergency stop (read the post-mortem first)." };
        var duration = new Option<string?>("--duration") { Description = "Trade for this long once started (e.g. 90s, 10m, 2h); default: until Ctrl+C." };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Where the journal and logs live.", DefaultValueFactory = _ => new DirectoryInfo("enigma-data") };
        var data = new Option<DirectoryInfo>("--data") { Description = "Candle files the simulator replays.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };
        var balance = new Option<decimal>("--balance") { Description = "Starting USDT of the paper account.", DefaultValueFactory = _ => 10_000m };
        var command = new Command("paper", "Paper trading on one node: every agent, an SQLite journal, the simulator in-process.")
        {
            symbols, speed, duration, dataDir, data, balance, resume,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            TimeSpan? runFor = null;
            if (parseResult.GetValue(duration) is { } text)
            {
                if (!TryParseDuration(text, out var parsed))
                {
                    return terminal.Fail(ExitCodes.Usage, $"--duration '{text}' is not a duration: use a number followed by s, m or h (90s, 10m, 2h).");
                }

                runFor = parsed;
            }

            if (!TryParseSymbols(parseResult.GetValue(symbols), out var contracts, out var unknown))
            {
                return terminal.Fail(ExitCodes.Usage, unknown);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var venue = new PaperVenue(parseResult.GetValue(data)!, parseResult.GetValue(speed), parseResult.GetValue(balance), Path.Combine(parseResult.GetValue(dataDir)!.FullName, "simulator"));
                return await TradingRun.RunAsync(terminal, venue, contracts, parseResult.GetValue(dataDir)!, stop, runFor, parseResult.GetValue(resume)).ConfigureAwait(false);
            }
            catch (StartupFailedException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }
        });
        return command;
    }

    /// <summary>Symbols given space- or comma-separated, in any case, each a known contract.</summary>
    internal static bool TryParseSymbols(string[]? given, out List<ContractSpec> contracts, out string problem)
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

    internal static bool TryParseDuration(string text, out TimeSpan duration)
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
}
