using System.Collections.Concurrent;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Polly.CircuitBreaker;

namespace Enigma.Tests.Exchange.Simulator;

/// <summary>Every fault the simulator can inject at once, seeded: the client recovers and no order or fill is lost or doubled.</summary>
public sealed class ClientUnderFaultsSpecs
{
    [Fact]
    public async Task Under_throttling_outages_latency_and_dropped_streams_every_order_exists_once_and_every_fill_is_found()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var limiter = new KuCoinRateLimiter();
        using var http = new HttpClient();
        var client = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(sim.Server.BaseAddress, SimulatorHarness.Credentials) with { BreakerOpenFor = TimeSpan.FromMilliseconds(500) }, limiter);
        await using var stream = new KuCoinWebSocketClient(client, isPrivate: true);
        await stream.StartAsync();
        var pushed = new ConcurrentDictionary<string, long>();
        await stream.SubscribeAsync("/contractMarket/tradeOrders:XBTUSDTM", push =>
        {
            if (push.Data.GetProperty("type").GetString() == "match")
            {
                pushed.AddOrUpdate(push.Data.GetProperty("clientOid").GetString()!, 1, (_, n) => n + 1);
            }
        });

        sim.Server.SetFaults(new FaultSettings { Seed = 5, RateLimitShare = 0.15, RateLimitResetMs = 50, ServerErrorShare = 0.15, LatencyMs = 3, SkipLevel2Share = 0.1, MalformedFrameShare = 0.05 });
        var failures = new ConcurrentBag<string>();
        for (var i = 0; i < 20; i++)
        {
            if (i == 10)
            {
                sim.Server.DropWebSockets();
            }

            var order = new KuCoinOrderRequest { ClientOid = $"chaos-{i}", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 1, Leverage = 3 };
            while (true)
            {
                try
                {
                    await client.PlaceOrderOnceAsync(order);
                    break;
                }
                catch (Exception e) when (e is BrokenCircuitException || (e is KuCoinApiException api && api.IsRetryable))
                {
                    // What a caller does with a retryable answer: wait for the breaker or the pool, then ask again (same clientOid).
                    failures.Add(e.GetType().Name);
                    await Task.Delay(TimeSpan.FromMilliseconds(e is BrokenCircuitException ? 520 : 60));
                }
            }

            sim.Server.Step(TimeSpan.FromSeconds(20));
        }

        sim.Server.SetFaults(FaultSettings.None);
        Assert.NotEmpty(failures);

        for (var i = 0; i < 20; i++)
        {
            var order = await client.GetOrderByClientOidAsync($"chaos-{i}");
            Assert.NotNull(order);
            Assert.Equal(1, order.FilledLots);
        }

        var fills = await client.GetFillsAsync(symbol: "XBTUSDTM");
        Assert.Equal(20, fills.Count);
        Assert.Equal(20, (await client.GetPositionAsync("XBTUSDTM")).Lots);

        // The stream came back by itself; what it did deliver agrees with the exchange's record, never more than it.
        await Eventually.HoldsAsync(() => stream.State == KuCoinStreamState.Live, "the private stream is live again");
        Assert.True(stream.Reconnects >= 1);
        Assert.All(pushed, p => Assert.Equal(1, p.Value));
        Assert.All(pushed.Keys, k => Assert.StartsWith("chaos-", k, StringComparison.Ordinal));
    }
}
