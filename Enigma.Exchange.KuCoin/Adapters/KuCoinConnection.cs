using Enigma.Domain.Exchange;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Exchange.KuCoin.Adapters;

/// <summary>
/// The exchange through the KuCoin client: KuCoin Futures itself, another KuCoin-compatible address, or the simulator
/// that paper trading runs in-process. The key's permissions are checked before the account is read.
/// </summary>
public sealed class KuCoinConnection : IExchangeConnection
{
    private readonly KuCoinRestClient _client;
    private readonly Func<long>? _marketTime;
    private readonly IAsyncDisposable? _owned;
    private KuCoinAuditProbe? _probe;
    private KuCoinWebSocketClient? _stream;

    private KuCoinConnection(KuCoinRestClient client, string description, decimal equity, Func<long>? marketTime, IAsyncDisposable? owned)
    {
        _client = client;
        Description = description;
        StartingEquity = equity;
        _marketTime = marketTime;
        _owned = owned;
        Orders = new KuCoinExchangeGateway(client);
    }

    public string Description { get; }

    public IExchangeGateway Orders { get; }

    public decimal StartingEquity { get; }

    /// <summary>Connects: a key that can move funds never gets as far as reading the account.</summary>
    /// <param name="marketTime">The market's clock when it is not the wall clock's (the simulator's replay).</param>
    /// <param name="owned">What the connection disposes with itself (the simulator it runs on).</param>
    /// <param name="notice">Told when the machine's clock is found more than a second from KuCoin's (it is corrected).</param>
    public static async Task<KuCoinConnection> ConnectAsync(HttpClient http, KuCoinClientOptions options, string description, Func<long>? marketTime, IAsyncDisposable? owned, CancellationToken cancellationToken, Action<string>? notice = null)
    {
        var client = new KuCoinRestClient(http, options);
        if (notice is not null)
        {
            client.ClockCorrected += offset => notice(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  clock: KuCoin's is {offset.TotalSeconds:+0.0;-0.0} s from this machine's; signed requests carry the corrected time"));
        }

        KuCoinKeySafety.EnsureTradingOnly(await client.GetApiKeyInfoAsync(cancellationToken).ConfigureAwait(false));
        var account = await client.GetAccountOverviewAsync(cancellationToken).ConfigureAwait(false);
        return new KuCoinConnection(client, description, account.AccountEquity, marketTime, owned);
    }

    public long MarketTimeMs() => _marketTime?.Invoke() ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task<decimal> EquityAsync(CancellationToken cancellationToken) => (await _client.GetAccountOverviewAsync(cancellationToken).ConfigureAwait(false)).AccountEquity;

    public IAuditProbe AuditProbe(string clockSymbol) => _probe = new KuCoinAuditProbe(_client, clockSymbol) { Stream = _stream };

    public async Task<IMarketDataFeed> OpenMarketDataAsync(CancellationToken cancellationToken)
    {
        _stream = new KuCoinWebSocketClient(_client, isPrivate: false);
        await _stream.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_probe is not null)
        {
            _probe.Stream = _stream;
        }

        return new KuCoinMarketDataFeed(_client, _stream);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        if (_owned is not null)
        {
            await _owned.DisposeAsync().ConfigureAwait(false);
        }
    }
}
