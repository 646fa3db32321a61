using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- loopback-latency [samples]</c>: the simulator (stepped clock,
/// one symbol) and our WebSocket client on loopback. Each sample steps the replay by one path point, which makes the
/// venue move the market and emit a tickerV2; the latency runs from the step call to the client's handler. It
/// therefore includes the venue's own work for that tick (book, events), so it is an upper bound of "emit to callback".
/// </summary>
internal static class LoopbackLatency
{
    public static async Task RunAsync(int samples)
    {
        var account = SimulatorOptions.DefaultAccount;
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions
        {
            DataDirectory = Path.GetDirectoryName(BenchmarkData.CandlePath("bybit-linear/BTCUSDT-5m.csv.gz"))!,
            Symbols = ["XBTUSDTM"],
            Speed = 0,
        });
        using var http = new HttpClient();
        var rest = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(server.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
        await using var stream = new KuCoinWebSocketClient(rest, isPrivate: false);
        await stream.StartAsync();
        var arrived = new SemaphoreSlim(0);
        long arrivedAt = 0;
        await stream.SubscribeAsync("/contractMarket/tickerV2:XBTUSDTM", _ =>
        {
            Interlocked.Exchange(ref arrivedAt, Stopwatch.GetTimestamp());
            arrived.Release();
        });

        var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
        var pointMs = 300_000 / 20;
        var missed = 0;
        for (var i = -200; i < samples; i++)
        {
            while (arrived.CurrentCount > 0)
            {
                await arrived.WaitAsync();
            }

            var start = Stopwatch.GetTimestamp();
            server.Step(TimeSpan.FromMilliseconds(pointMs));
            if (!await arrived.WaitAsync(TimeSpan.FromMilliseconds(200)))
            {
                missed++; // the point did not move the top of the book: no ticker to time
                continue;
            }

            if (i >= 0)
            {
                histogram.RecordValue(Interlocked.Read(ref arrivedAt) - start);
            }
        }

        double Micros(double ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tickerV2 loopback latency, simulator step to client callback, {histogram.TotalCount} samples ({missed} steps without a ticker): " +
            $"mean {Micros(histogram.GetMean()):F0} us, p50 {Micros(histogram.GetValueAtPercentile(50)):F0} us, p90 {Micros(histogram.GetValueAtPercentile(90)):F0} us, " +
            $"p99 {Micros(histogram.GetValueAtPercentile(99)):F0} us, p99.9 {Micros(histogram.GetValueAtPercentile(99.9)):F0} us, max {Micros(histogram.GetMaxValue()):F0} us"));
    }
}
