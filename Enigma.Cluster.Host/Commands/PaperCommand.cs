using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Enigma.Actors.Audit;
using Enigma.Actors.Data;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Notifications;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Risk;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Exchange.Simulator;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma paper [--symbols ...] [--speed N] [--duration 10m] [--data-dir DIR]</c>: one node with every agent, an
/// SQLite journal under the data folder, and the simulator in-process replaying the shipped candles; paper trading
/// through the same client and agents as live trading, with a status line every few seconds, until the duration ends
/// or Ctrl+C. The simulator keeps its venue log in the
/// same folder, so a second run resumes both the journal and the paper account where the first one stopped.
/// </summary>
public static class PaperCommand
{
    public static Command Build()
    {
        var symbols = new Option<string[]>("--symbols", "-s") { Description = "KuCoin symbols to trade.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["XBTUSDTM", "ETHUSDTM"] };
        var speed = new Option<double>("--speed") { Description = "Replay speed of the simulator (1 = real time).", DefaultValueFactory = _ => 60 };
        var duration = new Option<string?>("--duration") { Description = "Trade for this long once started (e.g. 90s, 10m, 2h); default: until Ctrl+C." };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Where the journal and logs live.", DefaultValueFactory = _ => new DirectoryInfo("enigma-data") };
        var data = new Option<DirectoryInfo>("--data") { Description = "Candle files the simulator replays.", DefaultValueFactory = _ => new DirectoryInfo(SimulatorCommand.DefaultData) };
        var balance = new Option<decimal>("--balance") { Description = "Starting USDT of the paper account.", DefaultValueFactory = _ => 10_000m };
        var command = new Command("paper", "Paper trading on one node: every agent, an SQLite journal, the simulator in-process.")
        {
            symbols, speed, duration, dataDir, data, balance,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            TimeSpan? runFor = null;
            if (parseResult.GetValue(duration) is { } text)
            {
                if (!TryParseDuration(text, out var parsed))
                {
                    return terminal.Fail(ExitCodes.Usage, $"--duration '{text}' is not a duration: use a number followed by s, m or h (90s, 10m, 2h).");
                }

                runFor = parsed;
            }

            var wanted = (parseResult.GetValue(symbols) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(s => s.ToUpperInvariant()).Distinct().ToArray();
            var contracts = new List<ContractSpec>();
            foreach (var symbol in wanted)
            {
                var contract = KnownContracts.Find(symbol);
                if (contract is null)
                {
                    return terminal.Fail(ExitCodes.Usage, $"--symbols: '{symbol}' is not a known contract (known: {string.Join(", ", KnownContracts.All.Select(c => c.Symbol))}).");
                }

                contracts.Add(contract);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                return await RunAsync(terminal, contracts, parseResult.GetValue(speed), parseResult.GetValue(dataDir)!, parseResult.GetValue(data)!, parseResult.GetValue(balance), stop, runFor).ConfigureAwait(false);
            }
            catch (StartupFailedException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }
        });
        return command;
    }

    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        duration = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }

    /// <param name="runFor">Trading time: the clock starts once the startup sequence is done.</param>
    private static async Task<int> RunAsync(Terminal terminal, List<ContractSpec> contracts, double speed, DirectoryInfo dataDir, DirectoryInfo candles, decimal balance, CancellationTokenSource stopping, TimeSpan? runFor)
    {
        var stop = stopping.Token;
        SimulatorServer? simulator = null;
        ActorSystem? system = null;
        KuCoinWebSocketClient? stream = null;
        using var http = new HttpClient();
        EnigmaAgents agents = null!;
        KuCoinRestClient client = null!;
        var account = SimulatorOptions.DefaultAccount with { Balance = balance };
        Akka.Configuration.Config config = null!;
        Domain.Risk.RiskParameters risk = null!;
        AuditSettings auditSettings = null!;
        OrchestratorSettings orchestratorSettings = null!;
        NotificationSettings notifications = null!;
        KuCoinAuditProbe probe = null!;
        StartupStep Step(int n, Func<CancellationToken, Task> run) => new(n, StartupSequence.Seed[n - 1].Agent, StartupSequence.Seed[n - 1].Description, run);
        try
        {
            await StartupSequence.RunAsync(
                [
                    Step(1, _ =>
                    {
                        var shipped = EnigmaConfig.Shipped("enigma.conf");
                        risk = TradingParameters.Risk(shipped);
                        auditSettings = TradingParameters.Audit(shipped, Path.Combine(dataDir.FullName, "audit"));
                        orchestratorSettings = TradingParameters.Orchestrator(shipped);
                        notifications = TradingParameters.Notifications(shipped, "paper");
                        dataDir.Create();
                        config = EnigmaNode.FileLogging(Path.Combine(dataDir.FullName, "logs", "enigma.log"))
                            .WithFallback(EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(dataDir.FullName, "journal.db"))));
                        terminal.Line($"  logs in {Path.Combine(dataDir.FullName, "logs")}, audit trail in {auditSettings.Directory}; notifications: {notifications}");
                        return Task.CompletedTask;
                    }),
                    Step(2, _ => candles.Exists ? Task.CompletedTask : throw new DirectoryNotFoundException($"candle folder '{candles.FullName}' does not exist")),
                    Step(3, async ct =>
                    {
                        simulator = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = candles.FullName, Symbols = contracts.Select(c => c.Symbol).ToArray(), Speed = speed, Accounts = [account], StateDirectory = Path.Combine(dataDir.FullName, "simulator") }, cancellationToken: ct).ConfigureAwait(false);
                        if (simulator.Resumed is { } resumed)
                        {
                            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"  simulator resumed: {resumed.OrdersPlaced} orders from earlier runs, market at {DateTimeOffset.FromUnixTimeMilliseconds(resumed.MarketTimeMs):yyyy-MM-dd HH:mm}"));
                        }

                        client = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(simulator.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
                        probe = new KuCoinAuditProbe(client, contracts[0].Symbol);
                        system = ActorSystem.Create("enigma", config);
                        var cluster = Akka.Cluster.Cluster.Get(system);
                        await cluster.JoinAsync(cluster.SelfAddress, ct).ConfigureAwait(false);
                        agents = await EnigmaNode.StartAsync(system, new NodeServices(new KuCoinExchangeGateway(client), contracts, balance)
                        {
                            Risk = risk,
                            Orchestrator = orchestratorSettings,
                            AuditProbe = probe,
                            Audit = auditSettings,
                            Notifications = notifications,
                            Http = http,
                        }).ConfigureAwait(false);
                        var checks = await agents.Audit!.Ask<AuditPreChecked>(RunAuditPreChecks.Instance, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                        if (checks.Violations.Count > 0)
                        {
                            throw new InvalidOperationException("invariant pre-checks failed: " + string.Join("; ", checks.Violations.Select(v => $"{v.Invariant}: {v.Detail}")));
                        }
                    }),
                    Step(4, async ct =>
                    {
                        stream = new KuCoinWebSocketClient(client, isPrivate: false);
                        await stream.StartAsync(ct).ConfigureAwait(false);
                        probe.Stream = stream;
                    }),
                    Step(5, async ct =>
                    {
                        var dataAgent = system!.ActorOf(DataAgent.Props(client, stream!, contracts, agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(3)), "data");
                        agents.Orchestrator.Tell(new RegisterAgent(Agents.Data, dataAgent));
                        var started = await dataAgent.Ask<DataStarted>(StartData.Instance, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
                        terminal.Line("  warm-up: " + string.Join(", ", started.WarmUpCandles.Select(w => $"{w.Key} {w.Value} candles")));
                    }),
                    Step(6, _ => Task.CompletedTask),
                    Step(7, async ct =>
                    {
                        foreach (var status in await EnigmaNode.RecoverPositionsAsync(agents, contracts, risk, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false))
                        {
                            terminal.Line(status.Phase == ExecutionPhase.Ready
                                ? string.Create(CultureInfo.InvariantCulture, $"  {status.Symbol}: Ready, reconciled with the exchange: position {status.State.Position.Lots:+0;-0;0} lots, {status.State.Orders.Values.Count(o => !o.IsFinal)} working order(s)")
                                : $"  {status.Symbol}: {status.Phase}{(status.ClosedReason is null ? "" : " — " + status.ClosedReason)}");
                        }
                    }),
                    Step(8, async ct => KuCoinKeySafety.EnsureTradingOnly(await client.GetApiKeyInfoAsync(ct).ConfigureAwait(false))),
                    Step(9, _ =>
                    {
                        terminal.Line("  optimizer: not part of this build yet (the optimizer issue)");
                        return Task.CompletedTask;
                    }),
                    Step(10, async ct => Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup sequence done"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))),
                    Step(11, async ct => Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))),
                ],
                t => terminal.Line(string.Create(CultureInfo.InvariantCulture, $"startup {t.Number,2}/11 [{t.Agent}] {t.Description}: {t.Duration.TotalMilliseconds:0} ms")),
                stop).ConfigureAwait(false);

            if (runFor is { } limit)
            {
                stopping.CancelAfter(limit);
            }

            terminal.Line($"paper trading {string.Join(", ", contracts.Select(c => c.Symbol))} at {speed.ToString(CultureInfo.InvariantCulture)}x on {simulator!.BaseAddress}; journal in {dataDir.FullName}; Ctrl+C stops");
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    terminal.Line(await StatusLineAsync(agents, client, contracts, simulator, seen).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException)
            {
                // Duration over, or Ctrl+C.
            }

            await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Shutdown, "operator stop"), TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            terminal.Line(await StatusLineAsync(agents, client, contracts, simulator, seen).ConfigureAwait(false));
            terminal.Line("stopped; state is in the journal");
            return ExitCodes.Success;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (system is not null)
            {
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            }

            if (simulator is not null)
            {
                await simulator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void Require(object reply)
    {
        if (reply is TransitionRefused refused)
        {
            throw new InvalidOperationException(refused.Reason);
        }
    }

    private static Task<ExecutionStatus> ExecutionStatusAsync(EnigmaAgents agents, string symbol) =>
        agents.ExecutionRegion.Ask<ExecutionStatus>(new ShardingEnvelope(symbol, GetExecutionStatus.Instance), TimeSpan.FromSeconds(10));

    private static async Task<string> StatusLineAsync(EnigmaAgents agents, KuCoinRestClient client, List<ContractSpec> contracts, SimulatorServer simulator, HashSet<string> seen)
    {
        var state = (await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(10)).ConfigureAwait(false)).State;
        var parts = new List<string>();
        foreach (var contract in contracts)
        {
            var status = await ExecutionStatusAsync(agents, contract.Symbol).ConfigureAwait(false);
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{contract.Symbol} {status.State.Position.Lots:+0;-0;0} lots, realised {status.State.Position.RealizedPnl:0.00}"));
        }

        var account = await client.GetAccountOverviewAsync().ConfigureAwait(false);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.FromUnixTimeMilliseconds(simulator.MarketTimeMs):yyyy-MM-dd HH:mm} {TransitionResult.Name(state)} equity {account.AccountEquity:0.00} USDT | {string.Join(" | ", parts)}");
        if (agents.Audit is null)
        {
            return line;
        }

        // The Audit agent's view: the latest signal per symbol, the seed's metrics, and what was decided since the last line.
        var report = await agents.Audit.Ask<AuditReport>(GetAuditReport.Instance, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var signals = string.Join(", ", report.LatestSignals.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Symbol} {s.Direction.ToString().ToLowerInvariant()} {s.Score:+0;-0;0}")));
        var fresh = report.RecentDecisions.Where(d => seen.Add(d)).ToList();
        return line
            + Environment.NewLine + "    signals: " + (signals.Length == 0 ? "none yet" : signals) + " | " + AuditAgent.Describe(report.Metrics)
            + string.Concat(fresh.Select(d => Environment.NewLine + "    " + d));
    }
}
