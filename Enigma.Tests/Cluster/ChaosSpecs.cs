using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Xunit.Abstractions;

namespace Enigma.Tests.Cluster;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosDefinition
{
    public const string Name = "Chaos";
}

/// <summary>
/// Issue 17's chaos run, with real processes: <c>enigma simulator</c> replaying real candles 1000 times faster than
/// real time, and <c>enigma live</c> trading it, while the simulator's fault switches throw 429 storms, 5xx, lost
/// replies and dropped WebSockets at it and the node is killed with SIGKILL twice. The checker then reads the venue's
/// own orders and fills: no position without a working stop for longer than the bound, no order placed twice, no
/// stop or target left after its position closed, and the journal equal to the exchange after reconciliation.
/// </summary>
[Collection(ChaosDefinition.Name)]
public sealed partial class ChaosSpecs(ITestOutputHelper log)
{
    private const int Speed = 1000;
    private const int Seed = 17;
    private const int TargetEntries = 200;
    private static readonly string[] Symbols = ["ETHUSDTM", "XBTUSDTM"];

    /// <summary>
    /// The bound, in wall-clock time (the market runs 1000 times faster): a restart after SIGKILL (the node comes back,
    /// reconciles and places the stop its last life never sent) or the stop deadline (10 s), with room for 2 cores.
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact(Skip = "Issue 17, unfinished: at 1000x with a 1% ROI stop the 9th-level entry often lies beyond the stop risk computed from its own price, the last gate refuses it (LAST_GATE_STOP), and the run makes 15 entries in 5 minutes instead of 200. The checker (ProtectionAudit) and the simulator's lost-reply switch are in place; see docs/reliability.md.")]
    public async Task Under_429_storms_5xx_lost_replies_dropped_streams_and_kill_9_no_position_stays_unprotected_past_the_bound_and_the_journal_equals_the_exchange()
    {
        using var folder = TestFiles.TemporaryFolder();
        var simulatorState = folder.File("simulator");
        var port = EnigmaProcess.FreePort();
        var exchange = $"http://127.0.0.1:{port}/";
        var secrets = folder.File("kucoin.secrets");
        var account = SimulatorOptions.DefaultAccount;
        File.WriteAllLines(secrets, [$"{KuCoinCredentials.KeyVariable}={account.ApiKey}", $"{KuCoinCredentials.SecretVariable}={account.ApiSecret}", $"{KuCoinCredentials.PassphraseVariable}={account.ApiPassphrase}"]);

        // Every candle close is a trade, with a close stop and target so that positions come and go (the limits that
        // would stop a losing run are lifted: the run is about orders).
        string[] trade = ["live", "--exchange", exchange, "--secrets-file", secrets, "--symbols", string.Join(',', Symbols), "--data-dir", folder.File("node"), "--admin-port", "0",
            "--set", "enigma.signal.SIGNAL_MIN_SCORE=0.001", "--set", "enigma.risk.max-consecutive-losses=1000", "--set", "enigma.risk.max-daily-drawdown-percent=100",
            "--set", "enigma.risk.stop-loss-roi=1", "--set", "enigma.risk.take-profit-roi=2"];
        var random = new Random(Seed);
        var storms = new Dictionary<string, int>(StringComparer.Ordinal);
        var kills = 0;
        var started = DateTime.UtcNow;
        JsonElement injected;
        using (var simulator = EnigmaProcess.Start("simulator", "--port", port.ToString(CultureInfo.InvariantCulture), "--speed", Speed.ToString(CultureInfo.InvariantCulture), "--symbols", string.Join(',', Symbols), "--state-dir", simulatorState, "--seed", Seed.ToString(CultureInfo.InvariantCulture)))
        {
            await simulator.WaitForLineAsync(l => l.StartsWith("simulator listening", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the simulator listens");
            using var admin = new HttpClient { BaseAddress = new Uri(exchange) };
            async Task FaultsAsync(object settings) => (await admin.PostAsJsonAsync("/admin/faults", settings)).EnsureSuccessStatusCode();

            var trader = EnigmaProcess.Start(trade);
            try
            {
                await trader.WaitForLineAsync(l => l.StartsWith("node up: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "the node trades");
                int[] killAt = [TargetEntries * 2 / 5, TargetEntries * 3 / 4];
                int entries;
                while ((entries = Entries(simulatorState)) < TargetEntries)
                {
                    Assert.True(DateTime.UtcNow - started < TimeSpan.FromMinutes(8), $"only {entries} entries in 8 minutes:\n{trader.Output}");
                    if (kills < killAt.Length && entries >= killAt[kills])
                    {
                        Assert.NotEqual(0, await trader.KillAsync());
                        kills++;
                        trader.Dispose();
                        trader = EnigmaProcess.Start(trade);
                        await trader.WaitForLineAsync(l => l.StartsWith("node up: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "the node trades again after SIGKILL");
                        continue;
                    }

                    // A storm lasts its time (the schedule of the chaos, not a wait for anything), then calm.
                    var kind = random.Next(4);
                    var name = kind switch { 0 => "429 storm", 1 => "5xx storm", 2 => "lost replies", _ => "WebSocket drop" };
                    storms[name] = storms.GetValueOrDefault(name) + 1;
                    switch (kind)
                    {
                        case 0: await FaultsAsync(new { seed = random.Next(), rateLimitShare = 0.5 }); break;
                        case 1: await FaultsAsync(new { seed = random.Next(), serverErrorShare = 0.3 }); break;
                        case 2: await FaultsAsync(new { seed = random.Next(), lostReplyShare = 0.2 }); break;
                        default: (await admin.PostAsync("/admin/websockets/drop", null)).EnsureSuccessStatusCode(); break;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(800, 2_000)));
                    await FaultsAsync(new { });
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 1_500)));
                }

                // Calm, then an orderly stop: what the node was doing when the last entry came in ends on its own.
                trader.Terminate();
                Assert.Equal(0, await trader.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            }
            finally
            {
                trader.Dispose();
            }

            injected = (await admin.GetFromJsonAsync<JsonElement>("/admin/state")).GetProperty("faultsInjected");
            simulator.Terminate();
            await simulator.WaitForExitAsync(TimeSpan.FromMinutes(1));
        }

        var tradedFor = DateTime.UtcNow - started;

        // The venue again, from its log, on a frozen clock; the node once more, to reconcile with it.
        await using var venue = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = SimulatorHarness.Data, Symbols = Symbols, Speed = 0, StateDirectory = simulatorState, Seed = Seed });
        string[] reconcile = [.. trade, "--duration", "3s"];
        reconcile[Array.IndexOf(reconcile, exchange)] = venue.BaseAddress.ToString();
        using var last = EnigmaProcess.Start(reconcile);
        Assert.True(await last.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, last.Output);
        var reconciled = Reconciled().Matches(last.Output).ToDictionary(m => m.Groups["symbol"].Value, m => long.Parse(m.Groups["lots"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        var (orders, fills, positions, now) = venue.Venue.Run((ex, now) => (ex.Orders(account.ApiKey), ex.Fills(account.ApiKey), Symbols.ToDictionary(s => s, s => ex.Position(account.ApiKey, s)?.Lots ?? 0), now));
        var figures = ProtectionAudit.Analyse(orders, fills, now);
        var unprotectedWall = TimeSpan.FromMilliseconds(figures.LongestUnprotectedMs / (double)Speed);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chaos run: {tradedFor.TotalSeconds:0} s at {Speed}x on {string.Join(", ", Symbols)}; {figures}; that is {unprotectedWall.TotalSeconds:0.0} s of wall time (bound {Bound.TotalSeconds:0} s); kills {kills}; storms {string.Join(", ", storms.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"))}; faults injected by the simulator {injected}"));

        Assert.True(figures.Entries >= TargetEntries, $"{figures.Entries} entries");
        Assert.Equal(2, kills);
        Assert.True(unprotectedWall <= Bound, $"a position went {unprotectedWall.TotalSeconds:0.0} s (wall) without a working stop: {figures}");
        Assert.Equal(0, figures.DuplicateOrders);
        Assert.Equal(0, figures.Orphans);
        Assert.Equal(Symbols.Order(StringComparer.Ordinal), reconciled.Keys.Order(StringComparer.Ordinal));
        Assert.All(Symbols, s => Assert.Equal(positions[s], reconciled[s]));
    }

    /// <summary>Entries the node sent so far: each entry's placement, as the simulator's venue log has it.</summary>
    private static int Entries(string simulatorState)
    {
        var path = Path.Combine(simulatorState, "venue-log.jsonl");
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (EntryPlacement().Match(line) is { Success: true } m)
            {
                ids.Add(m.Groups["id"].Value);
            }
        }

        return ids.Count;
    }

    [GeneratedRegex("\"clientOid\":\"(?<id>[^\"]+-E[0-9]+)\"")]
    private static partial Regex EntryPlacement();

    [GeneratedRegex(@"  (?<symbol>[A-Z0-9]+): Ready, reconciled with the exchange: position (?<lots>[+-]?\d+) lots")]
    private static partial Regex Reconciled();
}
