using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Xunit.Abstractions;

namespace Enigma.Tests.Host;

/// <summary>The crash test with real processes: <c>kill -9</c> of a paper node with positions open, then a restart.</summary>
public sealed partial class PaperCrashSpecs(ITestOutputHelper log)
{
    private static readonly string[] Symbols = ["ETHUSDTM", "SOLUSDTM", "XBTUSDTM"];

    [Fact]
    public async Task A_paper_node_killed_with_positions_open_resumes_them_reconciled_and_never_doubles_an_order()
    {
        using var folder = TestFiles.TemporaryFolder();
        var data = SimulatorHarness.Data;
        string[] paper = ["paper", "--symbols", string.Join(",", Symbols), "--data-dir", folder.Path, "--data", data, "--admin-port", "0"];

        // First life: trade until the venue holds a position, then SIGKILL (no shutdown, no final flush). At 300x a
        // position lives for seconds of wall time, so it is still open when the kill lands a few milliseconds later.
        Dictionary<string, long> open;
        using (var first = EnigmaProcess.Start([.. paper, "--speed", "300"]))
        {
            var started = await first.WaitForLineAsync(l => l.StartsWith("node up: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "paper trading starts");
            using var http = new HttpClient();
            var venue = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(new Uri(AddressPattern().Match(started).Value), SimulatorHarness.Credentials));
            open = await OpenPositionsAsync(venue);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (open.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no position opened within 3 minutes of trading at 300x:\n" + first.Output);
                await Task.Delay(10);
                open = await OpenPositionsAsync(venue);
            }

            Assert.NotEqual(0, await first.KillAsync());
            log.WriteLine($"killed with open positions {string.Join(", ", open.Select(p => $"{p.Key} {p.Value}"))}");
        }

        // Second life, on a frozen market clock so that the venue cannot move while the test compares.
        using var second = EnigmaProcess.Start([.. paper, "--speed", "0", "--duration", "3s"]);
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, second.Output);
        var output = second.Output;
        log.WriteLine(output);
        Assert.Contains("simulator resumed: ", output, StringComparison.Ordinal);
        var reconciled = ReconciledPattern().Matches(output).ToDictionary(m => m.Groups["symbol"].Value, m => long.Parse(m.Groups["lots"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        Assert.Equal(Symbols, reconciled.Keys.Order(StringComparer.Ordinal));

        // What the journal rebuilt equals what the simulator's venue log rebuilds, and the position survived.
        await using (var sim = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = data, Symbols = Symbols, Speed = 0, StateDirectory = Path.Combine(folder.Path, "simulator") }))
        {
            using var http = new HttpClient();
            var venue = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(sim.BaseAddress, SimulatorHarness.Credentials));
            foreach (var symbol in Symbols)
            {
                Assert.Equal((await venue.GetPositionAsync(symbol)).Lots, reconciled[symbol]);
            }
        }

        Assert.Contains(reconciled.Values, lots => lots != 0);

        // The simulator saw every client order id once: nothing was sent twice across the kill.
        var placed = File.ReadLines(Path.Combine(folder.Path, "simulator", "venue-log.jsonl")).Skip(1)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("input", out var input) && input.GetProperty("kind").GetString() == "place")
            .Select(e => e.GetProperty("input").GetProperty("request").GetProperty("clientOid").GetString())
            .ToList();
        Assert.NotEmpty(placed);
        Assert.Equal(placed.Count, placed.Distinct(StringComparer.Ordinal).Count());
    }

    private static async Task<Dictionary<string, long>> OpenPositionsAsync(KuCoinRestClient venue) =>
        (await venue.GetPositionsAsync()).Where(p => p.IsOpen).ToDictionary(p => p.Symbol, p => p.Lots);

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"  (?<symbol>[A-Z0-9]+): Ready, reconciled with the exchange: position (?<lots>[+-]?\d+) lots")]
    private static partial Regex ReconciledPattern();
}
