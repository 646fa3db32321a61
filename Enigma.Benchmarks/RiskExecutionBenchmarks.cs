using BenchmarkDotNet.Attributes;
using Enigma.Domain.Risk;

namespace Enigma.Benchmarks;

/// <summary>
/// The Risk and Execution hot paths: a full risk decision (every rule, sizing, prices, correlation against four open
/// positions over 200 real 5m returns each), applying one fill to the ledger, and the audit invariant cycle over
/// 100 open positions.
/// </summary>
[MemoryDiagnoser]
public class RiskExecutionBenchmarks
{
    private RiskRequest _request = null!;
    private PortfolioView _portfolio = null!;
    private ExecutionState _ledger = null!;
    private OrderFilled _fill = null!;
    private AuditSnapshot _audit = null!;
    private readonly List<InvariantViolation> _violations = [];
    private readonly RiskParameters _auditLimits = RiskParameters.Default with { MaxOpenPositions = 200, MaxTotalExposurePercent = 100 };

    [GlobalSetup]
    public void Setup()
    {
        double[] Returns(string file) => Correlation.Returns([.. BenchmarkData.Load(file).Candles.Take(201).Select(c => (double)c.Close)]);
        var btc = Returns("bybit-linear/BTCUSDT-5m.csv.gz");
        _request = new RiskRequest(ContractSpec.XbtUsdtm, Side.Long, 60_000.04m, 0.5, btc);
        _portfolio = new PortfolioView(10_000m, 10_100m, 1,
        [
            new OpenPosition("ETHUSDTM", Side.Short, 300m, Returns("bybit-linear/ETHUSDT-5m.csv.gz")),
            new OpenPosition("SOLUSDTM", Side.Short, 300m, Returns("bybit-linear/SOLUSDT-5m.csv.gz")),
            new OpenPosition("XRPUSDTM", Side.Long, 200m, Returns("bybit-linear/XRPUSDT-5m.csv.gz")),
            new OpenPosition("BNBUSDTM", Side.Short, 200m, Returns("bybit-linear/BNBUSDT-5m.csv.gz")),
        ]);

        var order = new Order("b1", "XBTUSDTM", OrderSide.Buy, OrderType.Limit, OrderPurpose.Entry, 1_000_000, 60_000m, null, false, 60_000m);
        _ledger = ExecutionLedger.Apply(ExecutionLedger.Apply(ExecutionState.Start(ContractSpec.XbtUsdtm, 10_000m), new OrderPlaced(1, order)), new OrderAccepted(2, "b1", "x1"));
        _ledger = ExecutionLedger.Apply(_ledger, new OrderFilled(3, "b1", "t0", 10, 60_000m, 0.12m, Liquidity.Maker));
        _fill = new OrderFilled(4, "b1", "t1", 3, 60_010.5m, 0.036m, Liquidity.Maker);

        var positions = Enumerable.Range(0, 100).Select(i => new OpenPosition($"S{i}", i % 2 == 0 ? Side.Long : Side.Short, 2m + i, Array.Empty<double>())).ToArray();
        _audit = new AuditSnapshot(new PortfolioView(100_000m, 100_500m, 2, positions), 50_000m, true, 100_000, 99_000, false, true, false);
    }

    [Benchmark(Description = "risk decision (all rules, sizing, prices, 4 correlations)")]
    public RiskDecision RiskDecision() => RiskGate.Evaluate(_request, _portfolio);

    [Benchmark(Description = "apply one fill to the ledger")]
    public ExecutionState ApplyFill() => ExecutionLedger.Apply(_ledger, _fill);

    [Benchmark(Description = "audit invariant cycle, 100 open positions")]
    public int AuditCycle()
    {
        _violations.Clear();
        AuditInvariants.Check(_audit, _auditLimits, 30_000, _violations);
        return _violations.Count;
    }
}
