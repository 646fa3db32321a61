using Akka.Persistence;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- execution-recovery [events]</c>: an SQLite journal (WAL) with
/// N execution events for one symbol (orders placed, accepted, filled: a trading history), written once; then the
/// time from starting an <see cref="ExecutionEntity"/> to its first answer, which comes after recovery (the entity
/// stashes commands while it replays). With the snapshots the entity takes (every 100 events) and without them.
/// Median of 7 starts after one warm-up start, in a warm process.
/// </summary>
internal static class ExecutionRecovery
{
    public static async Task RunAsync(int events)
    {
        var contract = KnownContracts.Find("XBTUSDTM")!;
        var folder = Directory.CreateTempSubdirectory("enigma-recovery-");
        try
        {
            foreach (var snapshots in new[] { true, false })
            {
                var path = Path.Combine(folder.FullName, snapshots ? "with-snapshots.db" : "without-snapshots.db");
                using var system = ActorSystem.Create("recovery", EnigmaConfig.SqliteJournal(path).WithFallback("akka.loglevel = WARNING"));
                var writer = system.ActorOf(Props.Create(() => new HistoryWriter(contract, events, snapshots ? 100 : int.MaxValue)));
                var written = await writer.Ask<long>("write", TimeSpan.FromMinutes(5));
                var times = new List<double>();
                for (var run = 0; run < 8; run++)
                {
                    var start = Stopwatch.GetTimestamp();
                    var entity = system.ActorOf(ExecutionEntity.Props(contract, new SilentExchange(), new ExecutionSettings { SnapshotEvery = 100 }));
                    var status = await entity.Ask<ExecutionStatus>(GetExecutionStatus.Instance, TimeSpan.FromMinutes(1));
                    var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (run > 0)
                    {
                        times.Add(ms);
                    }

                    if (status.State.EventCount == 0 && written > 0 && !snapshots)
                    {
                        throw new InvalidOperationException("Recovery rebuilt nothing.");
                    }

                    await entity.GracefulStop(TimeSpan.FromSeconds(10));
                }

                times.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"execution entity recovery, {written} events, {(snapshots ? "snapshot every 100" : "no snapshots")}: median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}) over {times.Count} starts"));
                await system.Terminate();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Writes a trading history under the entity's persistence id, snapshotting as the entity does.</summary>
    private sealed class HistoryWriter : ReceivePersistentActor
    {
        public HistoryWriter(ContractSpec contract, int events, int snapshotEvery)
        {
            var state = ExecutionState.Start(contract, 0);
            var trades = new List<string>();
            Command<string>(_ =>
            {
                var sender = Sender;
                var batch = new List<ExecutionEvent>();
                for (var i = 0; batch.Count < events; i++)
                {
                    var id = string.Create(CultureInfo.InvariantCulture, $"XBTUSDTM-{i:x8}-E0");
                    var side = i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell;
                    var order = new Order(id, contract.Symbol, side, OrderType.Limit, OrderPurpose.Entry, 1, 60_000m + (i % 100), null, false, 60_000m);
                    batch.Add(new OrderPlaced(i, order));
                    batch.Add(new OrderAccepted(i, id, i.ToString(CultureInfo.InvariantCulture)));
                    batch.Add(new OrderFilled(i, id, "t" + i.ToString(CultureInfo.InvariantCulture), 1, 60_000m + (i % 100), 0.036m, Liquidity.Maker));
                }

                var left = batch.Count;
                PersistAll(batch, e =>
                {
                    state = ExecutionLedger.Apply(state, e);
                    if (e is OrderFilled f)
                    {
                        trades.Add(f.TradeId);
                    }

                    if (LastSequenceNr % snapshotEvery == 0)
                    {
                        SaveSnapshot(new ExecutionSnapshot(state, trades.ToArray()));
                    }

                    if (--left == 0)
                    {
                        sender.Tell(LastSequenceNr);
                    }
                });
            });
            Command<SaveSnapshotSuccess>(_ => { });
        }

        public override string PersistenceId => "execution-XBTUSDTM";
    }

    /// <summary>An exchange that never answers: the measurement stops at the end of recovery, before reconciliation.</summary>
    private sealed class SilentExchange : IExchangeGateway
    {
        private static readonly TaskCompletionSource Never = new();

        public async Task<PlacementOutcome> PlaceAsync(Order order, decimal leverage, CancellationToken ct) { await Never.Task.WaitAsync(ct); return null!; }

        public async Task CancelAsync(string symbol, string clientOrderId, CancellationToken ct) => await Never.Task.WaitAsync(ct);

        public async Task<ExchangeOrderReport?> FindOrderAsync(string clientOrderId, CancellationToken ct) { await Never.Task.WaitAsync(ct); return null; }

        public async Task<IReadOnlyList<ExchangeFillReport>> FillsAsync(string exchangeOrderId, CancellationToken ct) { await Never.Task.WaitAsync(ct); return []; }

        public async Task<IReadOnlyList<ExchangeOrderReport>> OpenOrdersAsync(string symbol, CancellationToken ct) { await Never.Task.WaitAsync(ct); return []; }

        public async Task<long> PositionLotsAsync(string symbol, CancellationToken ct) { await Never.Task.WaitAsync(ct); return 0; }

        public async Task<IReadOnlyList<ExchangeFundingReport>> FundingAfterAsync(string symbol, long afterMs, CancellationToken ct) { await Never.Task.WaitAsync(ct); return []; }
    }
}
