using System.CommandLine;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Auth;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma live [--symbols ...] [--exchange URL] [--secrets-file F] [--duration 10m] [--data-dir DIR]</c>: the same
/// node as <c>paper</c>, trading a real account. Credentials come from ENIGMA_KUCOIN_API_KEY, _SECRET and
/// _PASSPHRASE (or a secrets file of NAME=value lines); a key that can move funds is refused before anything trades.
/// <c>--exchange</c> points it at another KuCoin-compatible address (a running <c>enigma simulator</c>, for a rehearsal).
/// </summary>
public static class LiveCommand
{
    public static Command Build()
    {
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols to trade (enigma.node.symbols).", AllowMultipleArgumentsPerToken = true };
        var exchange = NodeModes.NodeKey("--exchange", "A KuCoin-compatible address (default: KuCoin Futures itself).");
        var secretsFile = new Option<FileInfo?>("--secrets-file") { Description = $"NAME=value lines with {KuCoinCredentials.KeyVariable}, {KuCoinCredentials.SecretVariable} and {KuCoinCredentials.PassphraseVariable} (default: the environment)." };
        var resume = NodeModes.ResumeOption();
        var duration = NodeModes.DurationOption();
        var dataDir = NodeModes.NodeKey("--data-dir", "Where the journal, logs, audit trail and admin token live (default enigma-live).");
        var adminPort = NodeModes.NodeKey("--admin-port", "The admin API's port (enigma status, emergency-stop, /metrics); 0: none.");
        var config = NodeModes.ConfigOption();
        var set = NodeModes.SetOption();
        var command = new Command("live", "Live trading on one node against KuCoin Futures (or --exchange): every agent, an SQLite journal, the admin API.")
        {
            symbols, exchange, secretsFile, duration, dataDir, resume, adminPort, config, set,
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

            if (parseResult.GetValue(exchange) is { } address && (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                return terminal.Fail(ExitCodes.Usage, $"--exchange '{address}' is not an http(s) address.");
            }

            EnigmaSettings settings;
            List<ContractSpec> contracts;
            KuCoinCredentials credentials;
            try
            {
                var commandLine = NodeModes.CommandLine(parseResult, [exchange, dataDir, adminPort], set);
                if (given.Length > 0)
                {
                    commandLine.Insert(0, new CommandLineSetting("enigma.node.symbols", string.Join(',', given), "--symbols"));
                }

                settings = NodeModes.LoadSettings("live", "enigma-live", parseResult.GetValue(config), commandLine, singleProcess: true);
                contracts = NodeModes.Contracts(settings.Node);
                credentials = KuCoinCredentials.Load(Environment.GetEnvironmentVariable, parseResult.GetValue(secretsFile)?.FullName);
            }
            catch (Exception e) when (NodeModes.IsBadInput(e))
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            var options = NodeModes.ClientOptions(settings.Node.Exchange, credentials);
            using var http = new HttpClient();
            var plan = NodeModes.Plan("live", singleProcess: true, settings, contracts, parseResult.GetValue(resume), async (report, ct) =>
            {
                var connection = await KuCoinConnection.ConnectAsync(http, options, $"{options.FuturesBaseAddress}", null, null, ct, report).ConfigureAwait(false);
                report($"  account: {connection.StartingEquity.ToString(System.Globalization.CultureInfo.InvariantCulture)} USDT, {credentials}");
                return connection;
            });
            return await NodeModes.RunAsync(terminal, plan with { RunFor = runFor }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
