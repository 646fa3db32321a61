using System.CommandLine;
using System.Globalization;
using Enigma.Exchange.Simulator;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma simulator --port PORT --data DIR --symbols XBTUSDTM,ETHUSDTM --speed N [--state-dir DIR] [--api-key K --api-secret S --api-passphrase P]</c>:
/// a KuCoin-Futures-compatible exchange on loopback replaying the knowledge bank's candles, until Ctrl+C.
/// </summary>
public static class SimulatorCommand
{
    public const string DefaultData = "knowledge-bank/historical-data/candles/bybit-linear";

    public static Command Build()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 8555 };
        var bind = new Option<string>("--bind") { Description = "The address to listen on: loopback by default; 0.0.0.0 in a container, for the nodes of docker-compose.", DefaultValueFactory = _ => "127.0.0.1" };
        var data = new Option<DirectoryInfo>("--data", "-d") { Description = "Folder of candle files named like BTCUSDT-5m.csv.gz.", DefaultValueFactory = _ => new DirectoryInfo(DefaultData) };
        var symbols = new Option<string[]>("--symbols", "-s")
        {
            Description = "KuCoin symbols to replay, comma- or space-separated (XBTUSDTM,ETHUSDTM). Default: every contract with data.",
            AllowMultipleArgumentsPerToken = true,
        };
        var speed = new Option<double>("--speed") { Description = "1 = real time, N = N times faster, 0 = stepped through POST /admin/clock/step?ms=N.", DefaultValueFactory = _ => 1 };
        var historyDays = new Option<int>("--history-days") { Description = "Days of candles served as history before the replay starts.", DefaultValueFactory = _ => 10 };
        var apiKey = new Option<string?>("--api-key") { Description = $"The paper account's API key (default {SimulatorOptions.DefaultAccount.ApiKey})." };
        var apiSecret = new Option<string?>("--api-secret") { Description = $"Its secret (default {SimulatorOptions.DefaultAccount.ApiSecret})." };
        var apiPassphrase = new Option<string?>("--api-passphrase") { Description = $"Its passphrase (default {SimulatorOptions.DefaultAccount.ApiPassphrase})." };
        var balance = new Option<decimal>("--balance") { Description = "The paper account's starting USDT.", DefaultValueFactory = _ => 10_000m };
        var keepDataTimes = new Option<bool>("--keep-data-times") { Description = "Report the candles' own (historical) times instead of moving the replay to start now." };
        var stateDir = new Option<DirectoryInfo?>("--state-dir") { Description = "Keep the venue log here: accounts, orders and positions survive a restart and the market resumes where it stopped." };
        var seed = new Option<int>("--seed") { Description = "Seeds the book and the fault dice: the same seed replays the same market.", DefaultValueFactory = _ => 1 };
        var command = new Command("simulator", "Run a KuCoin Futures compatible exchange simulator on loopback (REST, WebSocket, matching, fees, funding, liquidation).")
        {
            port, bind, data, symbols, speed, historyDays, apiKey, apiSecret, apiPassphrase, balance, seed, keepDataTimes, stateDir,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            var key = parseResult.GetValue(apiKey);
            var secret = parseResult.GetValue(apiSecret);
            var passphrase = parseResult.GetValue(apiPassphrase);
            var given = new[] { key, secret, passphrase }.Count(v => v is not null);
            if (given is not (0 or 3))
            {
                return terminal.Fail(ExitCodes.Usage, "--api-key, --api-secret and --api-passphrase go together: give all three or none.");
            }

            var account = given == 0
                ? SimulatorOptions.DefaultAccount with { Balance = parseResult.GetValue(balance) }
                : new SimulatorAccount(key!, secret!, passphrase!, parseResult.GetValue(balance));
            SimulatorOptions options;
            try
            {
                options = new SimulatorOptions
                {
                    Port = parseResult.GetValue(port),
                    BindAddress = System.Net.IPAddress.TryParse(parseResult.GetValue(bind), out _) ? parseResult.GetValue(bind)! : throw new ArgumentException($"--bind '{parseResult.GetValue(bind)}' is not an IP address."),
                    DataDirectory = parseResult.GetValue(data)!.FullName,
                    Symbols = (parseResult.GetValue(symbols) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                    Speed = parseResult.GetValue(speed),
                    HistoryDays = parseResult.GetValue(historyDays),
                    Seed = parseResult.GetValue(seed),
                    AlignToWallClock = !parseResult.GetValue(keepDataTimes),
                    Accounts = [account],
                    StateDirectory = parseResult.GetValue(stateDir)?.FullName,
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, e.Message);
            }

            SimulatorServer server;
            try
            {
                server = await SimulatorServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            await using (server.ConfigureAwait(false))
            {
                terminal.Line(string.Create(CultureInfo.InvariantCulture, $"simulator listening on {server.BaseAddress} (WebSocket ws://{server.BaseAddress.Authority}/endpoint) replaying {string.Join(",", server.Symbols)} at speed {options.Speed} from {DateTimeOffset.FromUnixTimeMilliseconds(server.MarketTimeMs):u}"));
                if (server.Resumed is { } resumed)
                {
                    terminal.Line($"resumed from {options.StateDirectory}: {resumed.OrdersPlaced} orders placed by earlier runs, market at {DateTimeOffset.FromUnixTimeMilliseconds(resumed.MarketTimeMs):u}");
                }

                terminal.Line($"paper account: API key {account.ApiKey}, {account.Balance.ToString(CultureInfo.InvariantCulture)} USDT (secret and passphrase as given; not printed)");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    terminal.Line("simulator stopping");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
