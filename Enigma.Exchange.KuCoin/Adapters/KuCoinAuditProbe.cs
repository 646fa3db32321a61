using Enigma.Domain.Exchange;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Exchange.KuCoin.Adapters;

/// <summary>
/// Reads the account (equity, available balance), the market's clock (the day boundary of the daily drawdown is the
/// market's, which is the replay's time on the simulator), the WebSocket link's state, and every
/// <paramref name="keyCheckEvery"/>-th time the key's permissions. An authentication refusal is reported as a
/// credentials problem, not thrown: that is one of the emergency triggers.
/// </summary>
/// <param name="clockSymbol">A traded symbol whose ticker time is the market's clock (the server's timestamp endpoint
/// answers wall time even on the simulator, because clients sign with it).</param>
public sealed class KuCoinAuditProbe(KuCoinRestClient client, string clockSymbol, int keyCheckEvery = 30) : IAuditProbe
{
    /// <summary>The market-data link, once the Data agent has made it (startup step 4).</summary>
    public KuCoinWebSocketClient? Stream { get; set; }

    private int _reads;
    private string? _keyProblem;

    public async Task<AuditReading> ReadAsync(CancellationToken cancellationToken)
    {
        string? credentials = null;
        decimal equity = 0, available = 0;
        long time = 0;
        try
        {
            if (_reads++ % keyCheckEvery == 0)
            {
                try
                {
                    KuCoinKeySafety.EnsureTradingOnly(await client.GetApiKeyInfoAsync(cancellationToken).ConfigureAwait(false));
                    _keyProblem = null;
                }
                catch (KuCoinConfigurationException e)
                {
                    _keyProblem = e.Message;
                }
            }

            var account = await client.GetAccountOverviewAsync(cancellationToken).ConfigureAwait(false);
            (equity, available) = (account.AccountEquity, account.AvailableBalance);
            time = (await client.GetTickerAsync(clockSymbol, cancellationToken).ConfigureAwait(false)).TimeMs;
        }
        catch (KuCoinApiException e) when (e.Kind is KuCoinErrorKind.Authentication or KuCoinErrorKind.Forbidden)
        {
            credentials = e.Message;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException or KuCoinApiException or KuCoinProtocolException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return Reading(0, 0, 0, null) with { ExchangeProblem = e.Message };
        }

        return Reading(equity, available, time, credentials);
    }

    private AuditReading Reading(decimal equity, decimal available, long time, string? credentials) =>
        new(equity, available, time, Stream?.DownFor ?? TimeSpan.Zero, Stream?.SilentFor ?? TimeSpan.Zero, credentials, _keyProblem);
}
