using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.Simulator;

namespace Enigma.Tests.Support;

/// <summary>A real simulator on a free loopback port (stepped clock unless told), and our real client pointed at it.</summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];

    private SimulatorHarness(SimulatorServer server) => Server = server;

    public SimulatorServer Server { get; }

    public static SimulatorAccount Account => SimulatorOptions.DefaultAccount;

    public static KuCoinCredentials Credentials => new(Account.ApiKey, Account.ApiSecret, Account.ApiPassphrase);

    public static string Data => Path.Combine(TestFiles.RepositoryRoot, "knowledge-bank", "historical-data", "candles", "bybit-linear");

    public static async Task<SimulatorHarness> StartAsync(Func<SimulatorOptions, SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions { DataDirectory = Data, Symbols = ["XBTUSDTM", "ETHUSDTM"], Speed = 0 };
        return new SimulatorHarness(await SimulatorServer.StartAsync(configure is null ? options : configure(options)));
    }

    /// <summary>Our client, as the live system builds it, against the simulator.</summary>
    public KuCoinRestClient Client(KuCoinCredentials? credentials = null, TimeProvider? time = null, Func<KuCoinClientOptions, KuCoinClientOptions>? configure = null, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        _clients.Add(http);
        var options = KuCoinClientOptions.ForAddress(Server.BaseAddress, credentials ?? Credentials);
        return new KuCoinRestClient(http, configure is null ? options : configure(options), time: time);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>Polls until a condition holds (no sleeps as synchronisation): fails with the description when it never does.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string description, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {description}.");
            }

            await Task.Delay(10);
        }
    }
}
