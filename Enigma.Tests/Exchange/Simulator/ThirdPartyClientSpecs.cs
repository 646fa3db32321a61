using System.Diagnostics;
using System.Text.Json;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;

namespace Enigma.Tests.Exchange.Simulator;

/// <summary>
/// Installs the pinned npm clients (Enigma.Tests/ThirdPartyClients/package-lock.json) once per run, so that the
/// README's test command works from a fresh clone; .ci/run installs them ahead of time.
/// </summary>
public sealed class ThirdPartyClientsInstalled
{
    public ThirdPartyClientsInstalled()
    {
        Folder = Path.Combine(TestFiles.RepositoryRoot, "Enigma.Tests", "ThirdPartyClients");
        var installed = Path.Combine(Folder, "node_modules", ".package-lock.json");
        if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(Path.Combine(Folder, "package-lock.json")))
        {
            return;
        }

        var (exit, output) = NodeProcess.Run("npm", ["ci", "--no-audit", "--no-fund"], Folder, TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"npm ci in {Folder} failed ({exit}); node and npm must be installed:\n{output}");
    }

    public string Folder { get; }
}

internal static class NodeProcess
{
    public static (int Exit, string Output) Run(string program, IEnumerable<string> arguments, string folder, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} timed out after {timeout}; stderr:\n{stderr.Result}");
        }

        return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : $"{stdout.Result}\n{stderr.Result}");
    }
}

/// <summary>KuCoin clients nobody here wrote (kucoin-futures-api.md section 7) against the simulator on loopback.</summary>
public sealed class ThirdPartyClientSpecs(ThirdPartyClientsInstalled clients) : IClassFixture<ThirdPartyClientsInstalled>
{
    private async Task<JsonElement> RunAsync(string script)
    {
        // Running at 60x so that the WebSocket checks see tickers and level2 increments flow by themselves.
        await using var sim = await SimulatorHarness.StartAsync(o => o with { Speed = 60 });

        // The replay starts at the last 5-minute boundary before now, up to 5 minutes behind the wall clock, and at 60x
        // catches up within 5 s. A client that asks for the candles "up to now" by its own clock (ccxt does) is served
        // the newest one only once the market has reached now: wait for that, or it gets 199 of 200 by chance.
        await Poll.UntilAsync(() => sim.Server.MarketTimeMs >= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "the replay has reached the wall clock", TimeSpan.FromSeconds(30));
        var account = SimulatorHarness.Account;
        var (exit, output) = await Task.Run(() => NodeProcess.Run("node", [script, sim.Server.BaseAddress.ToString().TrimEnd('/'), account.ApiKey, account.ApiSecret, account.ApiPassphrase], clients.Folder, TimeSpan.FromSeconds(90)));
        Assert.True(exit == 0, $"{script} failed ({exit}):\n{output}");
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public async Task Ccxt_kucoinfutures_trades_and_streams_against_the_simulator()
    {
        var r = await RunAsync("ccxt-kucoinfutures.mjs");

        Assert.Equal("XBTUSDTM", r.GetProperty("markets").GetProperty("id").GetString());
        Assert.Equal(0.001m, r.GetProperty("markets").GetProperty("contractSize").GetDecimal());
        Assert.True(r.GetProperty("markets").GetProperty("swap").GetBoolean());
        Assert.Equal(200, r.GetProperty("ohlcv").GetProperty("rows").GetInt32());
        Assert.True(r.GetProperty("ohlcv").GetProperty("ordered").GetBoolean());
        Assert.True(r.GetProperty("ticker").GetProperty("bid").GetDecimal() < r.GetProperty("ticker").GetProperty("ask").GetDecimal());
        Assert.True(r.GetProperty("book").GetProperty("bids").GetInt32() >= 20);
        Assert.Equal(1, r.GetProperty("limitOrder").GetProperty("openBefore").GetInt32());
        Assert.Equal("canceled", r.GetProperty("limitOrder").GetProperty("statusAfter").GetString());
        Assert.Equal("closed", r.GetProperty("marketOrder").GetProperty("status").GetString());
        Assert.Equal(2, r.GetProperty("marketOrder").GetProperty("filled").GetDecimal());
        Assert.Equal(2, r.GetProperty("positions").GetProperty("contracts").GetDecimal());
        Assert.Equal("long", r.GetProperty("positions").GetProperty("side").GetString());
        Assert.InRange(r.GetProperty("balance").GetProperty("total").GetDecimal(), 9_900m, 10_100m); // equity: the open position moves with the replay
        Assert.True(r.GetProperty("watchTicker").GetProperty("bid").GetDecimal() < r.GetProperty("watchTicker").GetProperty("ask").GetDecimal());
        Assert.True(r.GetProperty("watchOrderBook").GetProperty("bids").GetInt32() >= 20);
        Assert.True(r.GetProperty("watchOrderBook").GetProperty("bestBid").GetDecimal() < r.GetProperty("watchOrderBook").GetProperty("bestAsk").GetDecimal());
    }

    [Fact]
    public async Task The_official_kucoin_universal_sdk_trades_and_streams_against_the_simulator()
    {
        var r = await RunAsync("kucoin-universal-sdk.cjs");

        Assert.Equal(2, r.GetProperty("contracts").GetProperty("count").GetInt32());
        Assert.Equal(0.001m, r.GetProperty("contracts").GetProperty("multiplier").GetDecimal());
        Assert.Equal(2000, r.GetProperty("contracts").GetProperty("rateLimit").GetProperty("limit").GetInt32());
        Assert.Equal(200, r.GetProperty("klines").GetProperty("rows").GetInt32());
        Assert.True(r.GetProperty("book").GetProperty("bids").GetInt32() >= 20);
        Assert.Single(r.GetProperty("limitOrder").GetProperty("cancelled").EnumerateArray());
        Assert.Equal("done", r.GetProperty("marketOrder").GetProperty("status").GetString());
        Assert.Equal(2, r.GetProperty("marketOrder").GetProperty("filledSize").GetInt32());
        Assert.Equal(2, r.GetProperty("position").GetProperty("currentQty").GetInt32());
        Assert.Equal("USDT", r.GetProperty("account").GetProperty("currency").GetString());
        Assert.Equal("/contractMarket/tickerV2:XBTUSDTM", r.GetProperty("wsTicker").GetProperty("topic").GetString());
        Assert.True(r.GetProperty("wsTicker").GetProperty("ts").GetInt64() > 1_000_000_000_000_000_000, "tickerV2 ts is in nanoseconds");
        Assert.Equal("/contractMarket/level2:XBTUSDTM", r.GetProperty("wsLevel2").GetProperty("topic").GetString());
    }
}
