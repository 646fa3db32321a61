using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Exchange.Simulator;

/// <summary>The simulator's venue log: a paper account, its orders and positions outlive the process.</summary>
public sealed class SimulatorStateSpecs
{
    [Fact]
    public async Task A_restarted_simulator_resumes_accounts_orders_positions_and_market_time_from_its_venue_log()
    {
        using var folder = TestFiles.TemporaryFolder();
        SimulatorOptions Stateful(SimulatorOptions o) => o with { StateDirectory = folder.Path };
        VenueView before;
        await using (var sim = await SimulatorHarness.StartAsync(Stateful))
        {
            Assert.Null(sim.Server.Resumed);
            var client = sim.Client();
            await TradeAsync(client, sim.Server);
            before = await VenueView.ReadAsync(client, sim.Server);
        }

        await using (var again = await SimulatorHarness.StartAsync(Stateful))
        {
            var client = again.Client();
            Assert.Equal(new VenueResume(3, before.MarketTimeMs), again.Server.Resumed);
            var after = await VenueView.ReadAsync(client, again.Server);
            before.AssertSameAs(after, sameMarketTime: true);

            // Order ids continue where the first run stopped: nothing of the old run can be mistaken for a new order.
            var next = await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "after-restart", Symbol = "XBTUSDTM", Side = "sell", Type = "market", Lots = 1, Leverage = 5 });
            Assert.DoesNotContain(next, before.OrderIds);
            Assert.Equal(before.Position.Lots - 1, (await client.GetPositionAsync("XBTUSDTM")).Lots);
        }
    }

    [Fact]
    public async Task A_killed_simulator_loses_no_order_fill_or_position_a_client_was_told_about()
    {
        using var folder = TestFiles.TemporaryFolder();
        using var copy = TestFiles.TemporaryFolder();
        VenueView told;
        await using (var sim = await SimulatorHarness.StartAsync(o => o with { StateDirectory = folder.Path }))
        {
            var client = sim.Client();
            await TradeAsync(client, sim.Server);
            told = await VenueView.ReadAsync(client, sim.Server);

            // What a kill -9 leaves: the log as it is on disk while the process still runs, with no shutdown mark.
            File.Copy(Path.Combine(folder.Path, "venue-log.jsonl"), Path.Combine(copy.Path, "venue-log.jsonl"));
        }

        await using var resumed = await SimulatorHarness.StartAsync(o => o with { StateDirectory = copy.Path });
        told.AssertSameAs(await VenueView.ReadAsync(resumed.Client(), resumed.Server), sameMarketTime: false);
    }

    [Fact]
    public async Task A_venue_log_made_for_other_symbols_is_refused_with_the_difference_named()
    {
        using var folder = TestFiles.TemporaryFolder();
        await using (await SimulatorHarness.StartAsync(o => o with { Symbols = ["XBTUSDTM"], StateDirectory = folder.Path }))
        {
        }

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => SimulatorHarness.StartAsync(o => o with { StateDirectory = folder.Path }));
        Assert.Contains("was made with symbols XBTUSDTM, this run ETHUSDTM,XBTUSDTM", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_venue_log_line_cut_short_by_a_kill_is_left_out_and_a_corrupt_line_is_named()
    {
        using var folder = TestFiles.TemporaryFolder();
        await using (var sim = await SimulatorHarness.StartAsync(o => o with { StateDirectory = folder.Path }))
        {
            await sim.Client().PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "one", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 1, Leverage = 5 });
        }

        var log = Path.Combine(folder.Path, "venue-log.jsonl");
        await File.AppendAllTextAsync(log, "{\"t\":1,\"input\":{\"kind\":\"pla");
        await using (var sim = await SimulatorHarness.StartAsync(o => o with { StateDirectory = folder.Path }))
        {
            Assert.Equal(1, sim.Server.Resumed!.OrdersPlaced);
            Assert.Equal(1, (await sim.Client().GetPositionAsync("XBTUSDTM")).Lots);
        }

        var lines = await File.ReadAllLinesAsync(log);
        lines[1] = "not json";
        await File.WriteAllLinesAsync(log, lines);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => SimulatorHarness.StartAsync(o => o with { StateDirectory = folder.Path }));
        Assert.Contains("venue-log.jsonl line 2 is not a venue log entry", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A taker buy, a resting sell far above the market, and a buy under it that the replay fills as maker.</summary>
    private static async Task TradeAsync(KuCoinRestClient client, SimulatorServer server)
    {
        var ticker = await client.GetTickerAsync("XBTUSDTM");
        await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "take", Symbol = "XBTUSDTM", Side = "buy", Type = "market", Lots = 3, Leverage = 5 });
        await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "rest", Symbol = "XBTUSDTM", Side = "sell", Lots = 2, Price = decimal.Round(ticker.BestAsk * 1.2m, 1), Leverage = 5 });
        var limit = await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "maker", Symbol = "XBTUSDTM", Side = "buy", Lots = 1, Price = decimal.Round(ticker.BestBid * 0.998m, 1), Leverage = 5 });
        for (var step = 0; step < 288 && (await client.GetOrderAsync(limit))!.IsActive; step++)
        {
            server.Step(TimeSpan.FromMinutes(5));
        }

        Assert.False((await client.GetOrderAsync(limit))!.IsActive);
        server.Step(TimeSpan.FromMinutes(17));
    }

    private sealed record VenueView(long MarketTimeMs, KuCoinPosition Position, string[] OpenOrderIds, string[] OrderIds, (string TradeId, decimal Price, long Lots, decimal Fee)[] Fills, decimal WalletBalance)
    {
        public static async Task<VenueView> ReadAsync(KuCoinRestClient client, SimulatorServer server)
        {
            var open = (await client.GetOpenOrdersAsync("XBTUSDTM")).Select(o => o.Id).Order(StringComparer.Ordinal).ToArray();
            var fills = (await client.GetFillsAsync()).Select(f => (f.TradeId, f.Price, f.Lots, f.Fee)).Order().ToArray();
            var all = new List<string>();
            foreach (var oid in new[] { "take", "rest", "maker" })
            {
                all.Add((await client.GetOrderByClientOidAsync(oid))!.Id);
            }

            var account = await client.GetAccountOverviewAsync();
            return new VenueView(server.MarketTimeMs, await client.GetPositionAsync("XBTUSDTM"), open, [.. all], fills, account.MarginBalance);
        }

        public void AssertSameAs(VenueView other, bool sameMarketTime)
        {
            Assert.Equal(Position.Lots, other.Position.Lots);
            Assert.Equal(Position.AverageEntry, other.Position.AverageEntry);
            Assert.Equal(OpenOrderIds, other.OpenOrderIds);
            Assert.Equal(OrderIds, other.OrderIds);
            Assert.Equal(Fills, other.Fills);
            Assert.Equal(WalletBalance, other.WalletBalance);
            if (sameMarketTime)
            {
                Assert.Equal(MarketTimeMs, other.MarketTimeMs);
                Assert.Equal(Position.UnrealisedPnl, other.Position.UnrealisedPnl);
            }
        }
    }
}
