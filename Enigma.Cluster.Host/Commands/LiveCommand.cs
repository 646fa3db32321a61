using System.CommandLine;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;

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
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols to trade.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["XBTUSDTM", "ETHUSDTM"] };
        var exchange = new Option<string?>("--exchange") { Description = "A KuCoin-compatible address (default: KuCoin Futures itself)." };
        var secretsFile = new Option<FileInfo?>("--secrets-file") { Description = $"NAME=value lines with {KuCoinCredentials.KeyVariable}, {KuCoinCredentials.SecretVariable} and {KuCoinCredentials.PassphraseVariable} (default: the environment)." };
        var resume = new Option<bool>("--resume") { Description = "Resume by hand after an emergency stop (read the post-mortem first)." };
        var duration = new Option<string?>("--duration") { Description = "Trade for this long once started (e.g. 90s, 10m, 2h); default: until Ctrl+C." };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Where the journal, logs and audit trail live.", DefaultValueFactory = _ => new DirectoryInfo("enigma-live") };
        var command = new Command("live", "Live trading on one node against KuCoin Futures (or --exchange): every agent, an SQLite journal.")
        {
            symbols, exchange, secretsFile, duration, dataDir, resume,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            TimeSpan? runFor = null;
            if (parseResult.GetValue(duration) is { } text)
            {
                if (!PaperCommand.TryParseDuration(text, out var parsed))
                {
                    return terminal.Fail(ExitCodes.Usage, $"--duration '{text}' is not a duration: use a number followed by s, m or h (90s, 10m, 2h).");
                }

                runFor = parsed;
            }

            if (!PaperCommand.TryParseSymbols(parseResult.GetValue(symbols), out var contracts, out var unknown))
            {
                return terminal.Fail(ExitCodes.Usage, unknown);
            }

            Uri? address = null;
            if (parseResult.GetValue(exchange) is { } given && (!Uri.TryCreate(given, UriKind.Absolute, out address) || address.Scheme is not ("http" or "https")))
            {
                return terminal.Fail(ExitCodes.Usage, $"--exchange '{given}' is not an http(s) address.");
            }

            KuCoinCredentials credentials;
            try
            {
                credentials = KuCoinCredentials.Load(Environment.GetEnvironmentVariable, parseResult.GetValue(secretsFile)?.FullName);
            }
            catch (KuCoinConfigurationException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                return await TradingRun.RunAsync(terminal, new LiveVenue(address, credentials), contracts, parseResult.GetValue(dataDir)!, stop, runFor, parseResult.GetValue(resume)).ConfigureAwait(false);
            }
            catch (StartupFailedException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }
        });
        return command;
    }
}

/// <summary>Live: KuCoin Futures (or an address given) with the account's own credentials; the equity is the account's.</summary>
internal sealed class LiveVenue(Uri? address, KuCoinCredentials credentials) : TradingVenue
{
    public override string Mode => "live";

    public override void CheckData()
    {
        // Live trading warms up from the exchange's own candles: nothing on disk is needed.
    }

    public override async Task<ConnectedVenue> ConnectAsync(Terminal terminal, HttpClient http, IReadOnlyList<ContractSpec> contracts, CancellationToken cancellationToken)
    {
        var options = address is null ? new KuCoinClientOptions { Credentials = credentials } : KuCoinClientOptions.ForAddress(address, credentials);
        var client = new KuCoinRestClient(http, options);

        // The key's permissions first: a key that can move funds never gets as far as reading the account.
        KuCoinKeySafety.EnsureTradingOnly(await client.GetApiKeyInfoAsync(cancellationToken).ConfigureAwait(false));
        var account = await client.GetAccountOverviewAsync(cancellationToken).ConfigureAwait(false);
        terminal.Line($"  account: {account.AccountEquity.ToString(System.Globalization.CultureInfo.InvariantCulture)} {account.Currency}, {credentials}");
        return new ConnectedVenue(client, account.AccountEquity, $"on {options.FuturesBaseAddress}", null);
    }
}
