using System.CommandLine;
using System.Globalization;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.Simulator;

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
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols to trade (enigma.node.symbols).", AllowMultipleArgumentsPerToken = true };
        var speed = new Option<double>("--speed") { Description = "Replay speed of the simulator (1 = real time).", DefaultValueFactory = _ => 60 };
        var resume = NodeModes.ResumeOption();
        var duration = NodeModes.DurationOption();
        var dataDir = NodeModes.NodeKey("--data-dir", "Where the journal, logs, audit trail and admin token live (default enigma-data).");
        var adminPort = NodeModes.NodeKey("--admin-port", "The admin API's port (enigma status, emergency-stop, /metrics); 0: none.");
        var data = new Option<DirectoryInfo>("--data") { Description = "Candle files the simulator replays.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };
        var balance = new Option<decimal>("--balance") { Description = "Starting USDT of the paper account.", DefaultValueFactory = _ => 10_000m };
        var config = NodeModes.ConfigOption();
        var set = NodeModes.SetOption();
        var command = new Command("paper", "Paper trading on one node: every agent, an SQLite journal, the simulator in-process, the admin API.")
        {
            symbols, speed, duration, dataDir, data, balance, resume, adminPort, config, set,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            TimeSpan? runFor = null;
            if (parseResult.GetValue(duration) is { } text)
            {
                if (!CommandInput.TryParseDuration(text, out var parsed))
                {
                    return terminal.Fail(ExitCodes.Usage, $"--duration '{text}' is not a duration: use a number followed by s, m or h (90s, 10m, 2h).");
                }

                runFor = parsed;
            }

            var given = parseResult.GetValue(symbols) ?? [];
            if (given.Length > 0 && !CommandInput.TryParseSymbols(given, out _, out var unknown))
            {
                return terminal.Fail(ExitCodes.Usage, unknown);
            }

            EnigmaSettings settings;
            List<ContractSpec> contracts;
            try
            {
                var commandLine = NodeModes.CommandLine(parseResult, [dataDir, adminPort], set);
                if (given.Length > 0)
                {
                    commandLine.Insert(0, new CommandLineSetting("enigma.node.symbols", string.Join(',', given), "--symbols"));
                }

                settings = NodeModes.LoadSettings("paper", "enigma-data", parseResult.GetValue(config), commandLine, singleProcess: true);
                contracts = NodeModes.Contracts(settings.Node);
            }
            catch (Exception e) when (NodeModes.IsBadInput(e))
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            var candles = parseResult.GetValue(data)!;
            if (!candles.Exists)
            {
                return terminal.Fail(ExitCodes.BadInput, $"--data: candle folder '{candles.FullName}' does not exist.");
            }

            var startingBalance = parseResult.GetValue(balance);
            var replaySpeed = parseResult.GetValue(speed);
            var dataDirectory = Path.GetFullPath(settings.Node.DataDirectory);
            using var http = new HttpClient();
            var plan = NodeModes.Plan("paper", singleProcess: true, settings, contracts, parseResult.GetValue(resume), async (report, ct) =>
                {
                    // The simulator in-process on the shipped candles, its venue log beside the journal, so a second
                    // run resumes the paper account where the first one stopped.
                    var account = SimulatorOptions.DefaultAccount with { Balance = startingBalance };
                    var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = candles.FullName, Symbols = contracts.Select(c => c.Symbol).ToArray(), Speed = replaySpeed, Accounts = [account], StateDirectory = Path.Combine(dataDirectory, "simulator") }, cancellationToken: ct).ConfigureAwait(false);
                    if (simulator.Resumed is { } resumed)
                    {
                        report(string.Create(CultureInfo.InvariantCulture, $"  simulator resumed: {resumed.OrdersPlaced} orders from earlier runs, market at {DateTimeOffset.FromUnixTimeMilliseconds(resumed.MarketTimeMs):yyyy-MM-dd HH:mm}"));
                    }

                    try
                    {
                        var credentials = new Exchange.KuCoin.Auth.KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase);
                        return await KuCoinConnection.ConnectAsync(http, Exchange.KuCoin.Rest.KuCoinClientOptions.ForAddress(simulator.BaseAddress, credentials),
                            string.Create(CultureInfo.InvariantCulture, $"the simulator at {replaySpeed}x on {simulator.BaseAddress}"), () => simulator.MarketTimeMs, simulator, ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        await simulator.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                });
            return await NodeModes.RunAsync(terminal, plan with { RunFor = runFor }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
