using Enigma.Exchange.KuCoin.Auth;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- order-latency [orders]</c>: one signed
/// <c>POST /api/v1/orders</c> through our KuCoin client to the simulator on loopback (a limit order far from the
/// market, so it rests), one at a time, paced under the client's rate limit so no request waits for a token.
/// HdrHistogram over N orders after 50 warm-up orders: the "sent to acknowledged" part of the pipeline.
/// </summary>
internal static class OrderLatency
{
    public static async Task RunAsync(int orders)
    {
        var data = Path.GetDirectoryName(BenchmarkData.CandlePath("bybit-linear/BTCUSDT-5m.csv.gz"))!;
        var account = SimulatorOptions.DefaultAccount with { Balance = 10_000_000m };
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = data, Symbols = ["XBTUSDTM"], Speed = 0, Accounts = [account], Seed = 1 });
        using var http = new HttpClient();
        var rest = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(server.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
        var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
        for (var i = 0; i < orders + 50; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await rest.PlaceOrderAsync(new KuCoinOrderRequest
            {
                ClientOid = string.Create(CultureInfo.InvariantCulture, $"latency-{i}"),
                Symbol = "XBTUSDTM",
                Side = "buy",
                Lots = 1,
                Price = 1_000m,
                Leverage = 5,
            });
            var elapsed = Stopwatch.GetTimestamp() - start;
            if (i >= 50)
            {
                histogram.RecordValue(elapsed);
            }

            await Task.Delay(45); // under the 25 private requests per second the client keeps to
        }

        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"place order over loopback, {orders} orders: p50 {Ms(histogram.GetValueAtPercentile(50)):F3} ms, p90 {Ms(histogram.GetValueAtPercentile(90)):F3} ms, p99 {Ms(histogram.GetValueAtPercentile(99)):F3} ms, max {Ms(histogram.GetMaxValue()):F3} ms"));
    }
}
