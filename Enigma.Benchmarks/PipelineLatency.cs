using System.Collections.Concurrent;
using Enigma.Actors.Data;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.WebSockets;
using Topics = Enigma.Actors.Messaging.Topics;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- pipeline-latency [symbols] [rounds]</c>: the whole node on
/// loopback (simulator stepped, WebSocket, Data agent's stream, Signal, Risk and its portfolio, Execution on an SQLite
/// journal, the bus), measuring from the moment the simulator's clock crosses a 5-minute boundary (every symbol's
/// candle closes at once) to the entry order's acknowledgement by the simulator, as the Execution entity receives it.
/// <para>
/// To make every close a trade: SIGNAL_MIN_SCORE is 0.001 (any non-zero score is a direction), the position and exposure
/// limits admit one position per symbol, and the correlation rule is off (the N symbols replay five real files, so
/// they are perfectly correlated). A symbol holds its pending entry afterwards, so each round is a fresh node.
/// Also reports the process's resident memory after the round (node and in-process simulator together).
/// </para>
/// </summary>
internal static class PipelineLatency
{
    public static async Task RunAsync(int symbols, int rounds)
    {
        var latencies = new LongHistogram(TimeStamp.Seconds(60), 3);
        long rss = 0, heap = 0;
        int expected = 0, acked = 0;
        for (var round = 0; round < rounds; round++)
        {
            var (samples, asked, memory, managed) = await RoundAsync(symbols, round);
            if (round == 0 && rounds > 1)
            {
                // The first round of a process compiles every path it takes (JIT): reported, kept out of the histogram.
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round 0 (cold process, not in the percentiles): slowest close -> ack {samples.DefaultIfEmpty().Max() * 1000.0 / Stopwatch.Frequency:F1} ms"));
                continue;
            }

            foreach (var sample in samples)
            {
                latencies.RecordValue(sample);
            }

            expected += asked;
            acked += samples.Count;
            rss = Math.Max(rss, memory);
            heap = Math.Max(heap, managed);
        }

        double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{symbols} symbols, {rounds} round(s): {acked} entries acknowledged of {expected} signals; candle close -> order ack p50 {Ms(latencies.GetValueAtPercentile(50)):F2} ms, " +
            $"p99 {Ms(latencies.GetValueAtPercentile(99)):F2} ms, max {Ms(latencies.GetMaxValue()):F2} ms; resident memory {rss / 1_048_576} MB (managed heap {heap / 1_048_576} MB)"));
    }

    private static async Task<(List<long> Samples, int Signals, long Rss, long Heap)> RoundAsync(int symbols, int round)
    {
        var data = Directory.CreateTempSubdirectory("enigma-pipeline-");
        try
        {
            var contracts = BenchmarkData.LinkSymbols(data, symbols, "P");

            var account = SimulatorOptions.DefaultAccount with { Balance = 10_000_000m };
            await using var server = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = data.FullName, Contracts = contracts, Speed = 0, Accounts = [account], Seed = round + 1 });
            using var http = new HttpClient();
            var rest = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(server.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
            var gateway = new TimedGateway(new KuCoinExchangeGateway(rest));
            GC.Collect();
            var rssBeforeNode = Process.GetCurrentProcess().WorkingSet64;
            var config = EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(data.FullName, "journal.db")));
            var system = ActorSystem.Create("pipeline", EnigmaConfig.Bootstrap(config));
            try
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                await cluster.JoinAsync(cluster.SelfAddress);
                var risk = RiskParameters.Default with
                {
                    MaxOpenPositions = symbols,
                    MaxTotalExposurePercent = 100m,
                    MaxPositionPercent = Math.Max(0.1m, decimal.Round(90m / symbols, 2)),
                    CorrelationThreshold = 2,
                };
                var agents = await EnigmaNode.StartAsync(system, new NodeServices(gateway, contracts, account.Balance)
                {
                    Risk = risk,
                    Signal = SignalParameters.Default with { SignalMinScore = 0.001 },
                });
                await using var stream = new KuCoinWebSocketClient(rest, isPrivate: false);
                await stream.StartAsync();
                var dataAgent = system.ActorOf(DataAgent.Props(new KuCoinMarketDataFeed(rest, stream), contracts, agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(2)), "data");
                await dataAgent.Ask<DataStarted>(StartData.Instance, TimeSpan.FromMinutes(2));
                foreach (var contract in contracts)
                {
                    // Every entity recovered and reconciled before the clock moves: the measurement is of trading, not of starting.
                    while ((await agents.ExecutionRegion.Ask<ExecutionStatus>(new Akka.Cluster.Sharding.ShardingEnvelope(contract.Symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10))).Phase != ExecutionPhase.Ready)
                    {
                        await Task.Delay(20);
                    }
                }

                await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "benchmark"), TimeSpan.FromSeconds(10));
                await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "benchmark"), TimeSpan.FromSeconds(10));
                var signals = 0;
                var rejections = new ConcurrentQueue<string>();
                var signalled = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
                var listener = system.ActorOf(Props.Create(() => new SignalCounter(agents.Bus, () => Interlocked.Increment(ref signals), rejections, signalled)));
                await Task.Delay(200);

                // A node that has run for a while has written to its journal: its connections are open and its write
                // path warm. A fresh node's first write costs about 3 ms more (reported by the first round's figures).
                var warmer = system.ActorOf(ThreeEventWriter.Props("benchmark-warm-up", "WARM"));
                for (var w = 0; w < 30; w++)
                {
                    await warmer.Ask<long>(w, TimeSpan.FromSeconds(10));
                }

                // Run the market to 1 ms before the next 5-minute boundary and let the node go quiet; then the step that
                // crosses it closes every symbol's candle and carries nothing else.
                var now = server.MarketTimeMs;
                var boundary = ((now / 300_000) + 1) * 300_000;
                server.Step(TimeSpan.FromMilliseconds(boundary - now - 1));
                await Task.Delay(500);
                var closedAt = Stopwatch.GetTimestamp();
                server.Step(TimeSpan.FromMilliseconds(1));
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10 + (symbols * 3 / 25.0)); // three orders per entry, at the seed's 25 private requests per second
                while (DateTime.UtcNow < deadline && (gateway.Acks.Count < Volatile.Read(ref signals) || Volatile.Read(ref signals) == 0))
                {
                    await Task.Delay(20);
                }

                await Task.Delay(500);
                double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
                var toSignal = signalled.Values.Select(t => Ms(t - closedAt)).DefaultIfEmpty().Max();
                var toAck = gateway.Acks.Where(a => signalled.ContainsKey(a.Key)).Select(a => Ms(a.Value - signalled[a.Key])).DefaultIfEmpty().Max();
                var toSend = gateway.Sent.Where(a => signalled.ContainsKey(a.Key)).Select(a => Ms(a.Value - signalled[a.Key])).DefaultIfEmpty().Max();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {signals} directional signal(s), {gateway.Acks.Count} ack(s); slowest close -> signal {toSignal:F1} ms, signal -> sent {toSend:F1} ms, signal -> ack {toAck:F1} ms"));
                if (!rejections.IsEmpty)
                {
                    Console.WriteLine($"round {round}: {rejections.Count} signal(s) rejected by risk, e.g. {rejections.First()}");
                }

                GC.Collect();
                var rss = Process.GetCurrentProcess().WorkingSet64;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: resident memory {rss / 1_048_576} MB, of which the node (everything started after the simulator) {(rss - rssBeforeNode) / 1_048_576} MB"));
                var heap = GC.GetTotalMemory(false);
                system.Stop(listener);
                return ([.. gateway.Acks.Values.Select(t => t - closedAt)], signals, rss, heap);
            }
            finally
            {
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
                await system.Terminate();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }

    /// <summary>The real gateway, noting when the simulator acknowledged each entry order.</summary>
    private sealed class TimedGateway(IExchangeGateway inner) : IExchangeGateway
    {
        public ConcurrentDictionary<string, long> Acks { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, long> Sent { get; } = new(StringComparer.Ordinal);

        public async Task<PlacementOutcome> PlaceAsync(Order order, decimal leverage, CancellationToken ct)
        {
            if (order.Purpose == OrderPurpose.Entry)
            {
                Sent.TryAdd(order.Symbol, Stopwatch.GetTimestamp());
            }

            var outcome = await inner.PlaceAsync(order, leverage, ct).ConfigureAwait(false);
            if (order.Purpose == OrderPurpose.Entry && outcome.Accepted)
            {
                Acks.TryAdd(order.Symbol, Stopwatch.GetTimestamp());
            }

            return outcome;
        }

        public Task CancelAsync(string symbol, string clientOrderId, CancellationToken ct) => inner.CancelAsync(symbol, clientOrderId, ct);

        public Task<ExchangeOrderReport?> FindOrderAsync(string clientOrderId, CancellationToken ct) => inner.FindOrderAsync(clientOrderId, ct);

        public Task<IReadOnlyList<ExchangeFillReport>> FillsAsync(string exchangeOrderId, CancellationToken ct) => inner.FillsAsync(exchangeOrderId, ct);

        public Task<IReadOnlyList<ExchangeOrderReport>> OpenOrdersAsync(string symbol, CancellationToken ct) => inner.OpenOrdersAsync(symbol, ct);

        public Task<long> PositionLotsAsync(string symbol, CancellationToken ct) => inner.PositionLotsAsync(symbol, ct);

        public Task<IReadOnlyList<ExchangeFundingReport>> FundingAfterAsync(string symbol, long afterMs, CancellationToken ct) => inner.FundingAfterAsync(symbol, afterMs, ct);
    }

    /// <summary>Counts the signals with a direction (each one risk will size into an entry).</summary>
    private sealed class SignalCounter : ReceiveActor
    {
        public SignalCounter(IActorRef bus, Action directional, ConcurrentQueue<string> rejections, ConcurrentDictionary<string, long> signalled)
        {
            bus.Tell(new Akka.Cluster.Tools.PublishSubscribe.Subscribe(Topics.SignalGenerated, Self));
            bus.Tell(new Akka.Cluster.Tools.PublishSubscribe.Subscribe(Topics.RiskRejected, Self));
            Receive<AgentEnvelope<Enigma.Actors.Risk.RiskRejected>>(e => rejections.Enqueue(string.Join("; ", e.Payload.Rejections.Select(r => r.Reason))));
            Receive<Akka.Cluster.Tools.PublishSubscribe.SubscribeAck>(_ => { });
            Receive<AgentEnvelope<SignalOutput>>(e =>
            {
                if (e.Payload.Direction != SignalDirection.Neutral)
                {
                    signalled.TryAdd(e.Payload.Symbol, Stopwatch.GetTimestamp());
                    directional();
                }
            });
        }
    }

}
