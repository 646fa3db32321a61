using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- simulator-load [symbols] [speed] [seconds]</c>: the simulator
/// replaying N symbols (the five Bybit files under N names) at a speed, driven the way its own pump drives it (a step
/// every 5 ms of wall time), with one client subscribed to every symbol's tickerV2 and level2. It keeps up with its
/// clock when the market time it reached equals wall time × speed and the event backlog stays bounded.
/// </summary>
internal static class SimulatorLoad
{
    public static async Task RunAsync(int symbols, double speed, int seconds)
    {
        var data = Directory.CreateTempSubdirectory("enigma-load-");
        try
        {
            var contracts = BenchmarkData.LinkSymbols(data, symbols, "L");

            var account = SimulatorOptions.DefaultAccount;
            await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = data.FullName, Contracts = contracts, Speed = 0 });
            using var http = new HttpClient();
            var rest = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(server.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
            await using var stream = new KuCoinWebSocketClient(rest, isPrivate: false);
            await stream.StartAsync();
            long messages = 0;
            foreach (var chunk in contracts.Select(c => c.Symbol).Chunk(50))
            {
                await stream.SubscribeAsync("/contractMarket/tickerV2:" + string.Join(',', chunk), _ => Interlocked.Increment(ref messages));
                await stream.SubscribeAsync("/contractMarket/level2:" + string.Join(',', chunk), _ => Interlocked.Increment(ref messages));
            }

            var steps = new LongHistogram(TimeStamp.Seconds(10), 3);
            var startMarket = server.MarketTimeMs;
            var wall = Stopwatch.StartNew();
            var lastWallMs = 0L;
            var maxBacklog = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            while (wall.Elapsed < TimeSpan.FromSeconds(seconds) && await timer.WaitForNextTickAsync())
            {
                var nowWallMs = wall.ElapsedMilliseconds;
                var begin = Stopwatch.GetTimestamp();
                server.Step(TimeSpan.FromMilliseconds((nowWallMs - lastWallMs) * speed));
                steps.RecordValue(Stopwatch.GetTimestamp() - begin);
                lastWallMs = nowWallMs;
                maxBacklog = Math.Max(maxBacklog, server.EventBacklog);
            }

            var elapsed = wall.Elapsed.TotalSeconds;
            await Task.Delay(500);
            double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            var reached = (server.MarketTimeMs - startMarket) / 1000.0 / elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{symbols} symbols at speed {speed} for {elapsed:F1} s: market ran at {reached:F1}x, {Interlocked.Read(ref messages) / elapsed:F0} WebSocket messages/s to one client, " +
                $"step p50 {Ms(steps.GetValueAtPercentile(50)):F2} ms, p99 {Ms(steps.GetValueAtPercentile(99)):F2} ms, max {Ms(steps.GetMaxValue()):F2} ms, max event backlog {maxBacklog}"));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
