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
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Exchange.Simulator;

namespace Enigma.Cluster.Host.Commands;

/// <summary>The exchange a trading node talks to, connected: the client, the account's equity, and (paper) the simulator it runs.</summary>
internal sealed record ConnectedVenue(KuCoinRestClient Client, decimal StartingEquity, string Description, SimulatorServer? Simulator)
{
    /// <summary>The market's time: the replay's on the simulator, the wall clock's on a real exchange.</summary>
    public long MarketTimeMs() => Simulator?.MarketTimeMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

/// <summary>Where <c>paper</c> and <c>live</c> differ: what data they need and how they reach their exchange.</summary>
internal abstract class TradingVenue
{
    /// <summary>"paper" or "live": in messages and notifications.</summary>
    public abstract string Mode { get; }

    /// <summary>Startup step 2: the data the venue needs is there (throws, naming what is missing).</summary>
    public abstract void CheckData();

    /// <summary>Startup step 3: reaches the exchange with the account's credentials.</summary>
    public abstract Task<ConnectedVenue> ConnectAsync(Terminal terminal, HttpClient http, IReadOnlyList<ContractSpec> contracts, CancellationToken cancellationToken);
}

/// <summary>Paper: the simulator in-process on the shipped candles, its venue log beside the journal.</summary>
internal sealed class PaperVenue(DirectoryInfo candles, double speed, decimal balance, string stateDirectory) : TradingVenue
{
    public override string Mode => "paper";

    public override void CheckData()
    {
        if (!candles.Exists)
        {
            throw new DirectoryNotFoundException($"candle folder '{candles.FullName}' does not exist");
        }
    }

    public override async Task<ConnectedVenue> ConnectAsync(Terminal terminal, HttpClient http, IReadOnlyList<ContractSpec> contracts, CancellationToken cancellationToken)
    {
        var account = SimulatorOptions.DefaultAccount with { Balance = balance };
        var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { DataDirectory = candles.FullName, Symbols = contracts.Select(c => c.Symbol).ToArray(), Speed = speed, Accounts = [account], StateDirectory = stateDirectory }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (simulator.Resumed is { } resumed)
        {
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"  simulator resumed: {resumed.OrdersPlaced} orders from earlier runs, market at {DateTimeOffset.FromUnixTimeMilliseconds(resumed.MarketTimeMs):yyyy-MM-dd HH:mm}"));
        }

        var client = new KuCoinRestClient(http, KuCoinClientOptions.ForAddress(simulator.BaseAddress, new KuCoinCredentials(account.ApiKey, account.ApiSecret, account.ApiPassphrase)));
        return new ConnectedVenue(client, balance, string.Create(CultureInfo.InvariantCulture, $"at {speed}x on {simulator.BaseAddress}"), simulator);
    }
}

/// <summary>
/// The startup sequence and the trading loop shared by <c>enigma paper</c> and <c>enigma live</c>: one node with every
/// agent, an SQLite journal, logs and the audit trail under the data folder, a status every 2 s, an orderly stop.
/// </summary>
internal static class TradingRun
{
    /// <param name="runFor">Trading time: the clock starts once the startup sequence is done.</param>
    /// <param name="resumeAfterEmergency">The operator's manual intervention: a node whose last run ended in
    /// EMERGENCY_STOP starts only when it is given (the seed's seventh action: wait for a manual resume).</param>
    public static async Task<int> RunAsync(Terminal terminal, TradingVenue venue, List<ContractSpec> contracts, DirectoryInfo dataDir, CancellationTokenSource stopping, TimeSpan? runFor, bool resumeAfterEmergency = false)
    {
        var stop = stopping.Token;
        ConnectedVenue? connected = null;
        ActorSystem? system = null;
        KuCoinWebSocketClient? stream = null;
        using var http = new HttpClient();
        EnigmaAgents agents = null!;
        KuCoinRestClient client = null!;
        Akka.Configuration.Config config = null!;
        Domain.Risk.RiskParameters risk = null!;
        Domain.Signals.SignalParameters signal = null!;
        AuditSettings auditSettings = null!;
        Actors.Optimization.OptimizerSettings optimizerSettings = null!;
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
                        signal = TradingParameters.Signal(shipped);
                        auditSettings = TradingParameters.Audit(shipped, Path.Combine(dataDir.FullName, "audit"));
                        orchestratorSettings = TradingParameters.Orchestrator(shipped);
                        optimizerSettings = TradingParameters.Optimizer(shipped);
                        notifications = TradingParameters.Notifications(shipped, venue.Mode);
                        dataDir.Create();
                        config = EnigmaNode.FileLogging(Path.Combine(dataDir.FullName, "logs", "enigma.log"))
                            .WithFallback(EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(dataDir.FullName, "journal.db"))));
                        terminal.Line($"  journal {Path.Combine(dataDir.FullName, "journal.db")} (SQLite, WAL, synchronous={EnigmaConfig.SqliteSynchronous(config)})");
                        terminal.Line($"  logs in {Path.Combine(dataDir.FullName, "logs")}, audit trail in {auditSettings.Directory}; notifications: {notifications}");
                        return Task.CompletedTask;
                    }),
                    Step(2, _ =>
                    {
                        venue.CheckData();
                        return Task.CompletedTask;
                    }),
                    Step(3, async ct =>
                    {
                        connected = await venue.ConnectAsync(terminal, http, contracts, ct).ConfigureAwait(false);
                        client = connected.Client;
                        probe = new KuCoinAuditProbe(client, contracts[0].Symbol);
                        system = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(config));
                        var cluster = Akka.Cluster.Cluster.Get(system);
                        await cluster.JoinAsync(cluster.SelfAddress, ct).ConfigureAwait(false);
                        agents = await EnigmaNode.StartAsync(system, new NodeServices(new KuCoinExchangeGateway(client), contracts, connected.StartingEquity)
                        {
                            Risk = risk,
                            Signal = signal,
                            Execution = EnigmaConfig.ExecutionSettings(config),
                            Orchestrator = orchestratorSettings,
                            AuditProbe = probe,
                            Audit = auditSettings,
                            Optimizer = optimizerSettings,
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
                        var dataAgent = system!.ActorOf(DataAgent.Props(client, stream!, contracts, agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(3), agents.ExecutionRegion), "data");
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
                    Step(9, async ct =>
                    {
                        // The Optimizer agent answers, and the baseline: the deployed version each symbol starts with.
                        var optimizer = await agents.Optimizer!.Ask<Actors.Optimization.OptimizerStatus>(Actors.Optimization.GetOptimizerStatus.Instance, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                        string Baseline(string symbol)
                        {
                            try
                            {
                                return optimizerSettings.ModelWeights is { } weights && Actors.Optimization.ModelWeights.Latest(weights, Domain.Backtesting.StrategyCatalog.SignalScore, symbol) is { } deployed
                                    ? string.Create(CultureInfo.InvariantCulture, $"{symbol} v{deployed.Version}")
                                    : $"{symbol} as configured";
                            }
                            catch (InvalidDataException e)
                            {
                                return $"{symbol} as configured ({e.Message})";
                            }
                        }

                        terminal.Line(string.Create(CultureInfo.InvariantCulture,
                            $"  optimizer: coordinator up ({optimizer.Workers.Count} worker(s) so far); parameters: {string.Join(", ", contracts.Select(c => Baseline(c.Symbol)))}"));
                    }),
                    Step(10, async ct =>
                    {
                        await EnigmaNode.WaitForRoutesAsync(agents, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                        var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                        if (status.State == SystemState.EmergencyStop)
                        {
                            var why = status.History.LastOrDefault(h => h.To == SystemState.EmergencyStop)?.Reason ?? "no reason recorded";
                            if (!resumeAfterEmergency)
                            {
                                throw new InvalidOperationException($"the last run ended in EMERGENCY_STOP ({why}); read the post-mortem in {Path.Combine(dataDir.FullName, "audit", "post-mortem")}, then start again with --resume to resume by hand");
                            }

                            terminal.Line($"  resuming after EMERGENCY_STOP ({why}) on the operator's --resume");
                            Require(await agents.Orchestrator.Ask<object>(new ResumeAfterEmergency("operator (--resume)"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false));
                            return;
                        }

                        Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup sequence done"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false));
                    }),
                    Step(11, async ct => Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))),
                ],
                t => terminal.Line(string.Create(CultureInfo.InvariantCulture, $"startup {t.Number,2}/11 [{t.Agent}] {t.Description}: {t.Duration.TotalMilliseconds:0} ms")),
                stop).ConfigureAwait(false);

            if (runFor is { } limit)
            {
                stopping.CancelAfter(limit);
            }

            terminal.Line($"{venue.Mode} trading {string.Join(", ", contracts.Select(c => c.Symbol))} {connected!.Description}; journal in {dataDir.FullName}; Ctrl+C stops");
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    terminal.Line(await StatusLineAsync(agents, client, contracts, connected, seen).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException)
            {
                // Duration over, or Ctrl+C.
            }

            await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Shutdown, "operator stop"), TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            terminal.Line(await StatusLineAsync(agents, client, contracts, connected, seen).ConfigureAwait(false));
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

            if (connected?.Simulator is { } simulator)
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

    private static async Task<string> StatusLineAsync(EnigmaAgents agents, KuCoinRestClient client, List<ContractSpec> contracts, ConnectedVenue venue, HashSet<string> seen)
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
            $"{DateTimeOffset.FromUnixTimeMilliseconds(venue.MarketTimeMs()):yyyy-MM-dd HH:mm} {TransitionResult.Name(state)} equity {account.AccountEquity:0.00} USDT | {string.Join(" | ", parts)}");
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
