using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Enigma.Actors.Audit;
using Enigma.Actors.Execution;
using Enigma.Actors.Inspection;
using Enigma.Actors.Messaging;
using Enigma.Actors.Notifications;
using Enigma.Actors.Optimization;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Hosting;

/// <summary>
/// Every setting a node runs with, read from one <see cref="EnigmaConfiguration"/> and checked together before anything
/// starts: a bad value stops the start with an error naming the key, its source and what is allowed.
/// </summary>
public sealed record EnigmaSettings
{
    public required EnigmaConfiguration Configuration { get; init; }

    public required NodeSettings Node { get; init; }

    public required RiskParameters Risk { get; init; }

    public required SignalParameters Signal { get; init; }

    public required ExecutionSettings Execution { get; init; }

    public required OrchestratorSettings Orchestrator { get; init; }

    public required OptimizerSettings Optimizer { get; init; }

    public required string SqliteSynchronous { get; init; }

    public static EnigmaSettings Load(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (akka, node) in NodeSettings.DerivedKeys)
        {
            configuration.RefuseOperatorSetting(akka, node);
        }

        // Fail on everything now, not when the agent that reads a key happens to start.
        _ = TradingParameters.Audit(configuration, null);
        _ = TradingParameters.Notifications(configuration, "check");
        var risk = TradingParameters.Risk(configuration);
        return new EnigmaSettings
        {
            Configuration = configuration,
            Node = NodeSettings.Load(configuration),
            Risk = risk,
            Signal = TradingParameters.Signal(configuration),
            Execution = EnigmaConfig.ExecutionSettings(configuration) with { Trailing = TrailingStopParameters.From(risk) },
            Orchestrator = TradingParameters.Orchestrator(configuration),
            Optimizer = TradingParameters.Optimizer(configuration),
            SqliteSynchronous = EnigmaConfig.SqliteSynchronous(configuration),
        };
    }

    public AuditSettings Audit(string directory) => TradingParameters.Audit(Configuration, directory);

    public NotificationSettings Notifications(string node) => TradingParameters.Notifications(Configuration, node);
}

/// <summary>The admin API a node serves (the host's HTTP server), once its agents run.</summary>
public interface IAdminEndpoint : IAsyncDisposable
{
    Uri Address { get; }
}

/// <summary>What the admin API is given to answer from.</summary>
public sealed record AdminContext(ActorSystem System, ClusterInspector Inspector, EnigmaAgents Agents, string? Token, Func<bool> Started)
{
    /// <summary>Where each setting came from (<c>enigma config</c>).</summary>
    public EnigmaConfiguration? Configuration { get; init; }
}

/// <summary>
/// What tells paper, live and node apart: the exchange, the journal, the roles, and how the process ends. Everything
/// else, the startup sequence included, is <see cref="NodeHost"/>'s and the same in every mode.
/// </summary>
public sealed record NodePlan
{
    /// <summary>paper, live or node: in messages and notifications.</summary>
    public required string Mode { get; init; }

    public required EnigmaSettings Settings { get; init; }

    public required IReadOnlyList<ContractSpec> Contracts { get; init; }

    /// <summary>
    /// Connects to the exchange (paper starts its simulator first): refuses a key that can move funds before it
    /// reads the account.
    /// </summary>
    public required Func<Action<string>, CancellationToken, Task<IExchangeConnection>> ConnectExchange { get; init; }

    /// <summary>The journal (an SQLite file, or a shared database), opened in the journal step.</summary>
    public required JournalTools.JournalSource Journal { get; init; }

    /// <summary>Where the logs, the audit trail and the admin token live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The log file under <see cref="DataDirectory"/>'s logs folder.</summary>
    public string LogFile { get; init; } = "enigma.log";

    /// <summary>Starts the admin API, or null: none.</summary>
    public Func<AdminContext, CancellationToken, Task<IAdminEndpoint>>? Admin { get; init; }

    /// <summary>
    /// A journal left in EMERGENCY_STOP: a single process (paper, live) refuses to start without the operator's
    /// <see cref="ResumeAfterEmergency"/>; a cluster node starts and waits for <c>enigma resume</c>, since the
    /// cluster must be reachable to be resumed.
    /// </summary>
    public bool RefuseToStartInEmergency { get; init; }

    public bool ResumeAfterEmergency { get; init; }

    /// <summary>A status line this often after the start (paper, live); null: none (a cluster node).</summary>
    public TimeSpan? StatusEvery { get; init; }

    /// <summary>Trading time once started; null: until stopped.</summary>
    public TimeSpan? RunFor { get; init; }

    /// <summary>Work that runs beside the node once it is up, until it stops (the optimizer's schedule).</summary>
    public IReadOnlyList<Func<RunningNode, CancellationToken, Task>> Companions { get; init; } = [];
}

/// <summary>A node that has started: what its companions work with.</summary>
public sealed record RunningNode(ActorSystem System, EnigmaAgents Agents, ClusterInspector Inspector, Uri? Admin, string? AdminToken, string DataDirectory, Action<string> Report);

/// <summary>A startup step failed, naming the step and the cause; nothing after it ran.</summary>
public sealed class NodeStartException(string message, Exception? cause = null) : Exception(message, cause)
{
    public NodeStartException()
        : this("the node did not start")
    {
    }

    public NodeStartException(string message)
        : this(message, null)
    {
    }
}

/// <summary>
/// One way to start a node, in every mode: settings checked, journal tables, the exchange, the cluster joined, the
/// agents of the node's roles, the audit pre-checks, market data, the admin API; then, on the node that holds the
/// orchestrator (the oldest with the role), the cluster's own startup: routes, positions recovered into the risk
/// portfolio, baseline parameters, READY and TRADING, again whenever the orchestrator or the portfolio moves. Each
/// step is printed with what it did and how long it took; the first that fails stops the node with its name.
/// </summary>
/// <remarks>
/// Shaped like Akka.Hosting's builder (roles decide which regions and singletons a node carries, proxies elsewhere),
/// but not Akka.Hosting itself: its hosted service starts the actor system and every actor inside
/// <c>IHost.StartAsync</c> in one go, whereas a trading node must run named steps in order (the exchange's key checked
/// before any actor trades, the journal's tables made before nodes race for them) and stop at the first that fails
/// with an error naming it; and the specs start several nodes as TestKit actor systems in one process.
/// </remarks>
public static class NodeHost
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs a node until <paramref name="stop"/> (or its duration) ends it, or the cluster removes it.</summary>
    public static async Task RunAsync(NodePlan plan, Action<string> report, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(report);
        var settings = plan.Settings;
        var roles = settings.Node.Roles;
        bool Carries(string role) => roles.Contains(role);
        var dataDir = Directory.CreateDirectory(plan.DataDirectory);
        using var http = new HttpClient();
        IExchangeConnection? exchange = null;
        ActorSystem? system = null;
        IAdminEndpoint? admin = null;
        var started = false;
        try
        {
            report($"{plan.Mode} node: {settings.Node.Describe(plan.Mode)}");
            Config journal = Config.Empty;
            await Step(report, "journal", $"tables on {plan.Journal.Describe()}", () =>
            {
                // The connection from the journal; every other persistence key from the layered configuration, so
                // the tables made are the ones the plugin will look for.
                journal = EnigmaConfig.JournalConnection(plan.Journal.ToNodeConfig());
                return JournalSchema.EnsureWithRetriesAsync(journal.WithFallback(settings.Configuration.Config), stop);
            }, stop).ConfigureAwait(false);
            await Step(report, "exchange", "the API key trades and cannot move funds; the account's equity", async () =>
            {
                exchange = await plan.ConnectExchange(report, stop).ConfigureAwait(false);
                report(string.Create(CultureInfo.InvariantCulture, $"  exchange {exchange.Description}, equity {exchange.StartingEquity:0.00}"));
            }, stop).ConfigureAwait(false);

            var logs = Path.Combine(dataDir.FullName, "logs", plan.LogFile);
            // Derived keys first (address, roles: from enigma.node), then the journal's connection, then every source
            // layered (the operator's Akka keys over the shipped cluster.conf and persistence.conf).
            var logging = EnigmaNode.FileLogging(logs);
            if (settings.Configuration.SetByOperator("akka.loglevel"))
            {
                // The operator's log level wins over the file logger's default (INFO).
                logging = ConfigurationFactory.ParseString($"akka.loglevel = {settings.Configuration.Config.GetString("akka.loglevel")}").WithFallback(logging);
            }

            var config = logging.WithFallback(settings.Node.DerivedAkkaSettings()).WithFallback(journal).WithFallback(settings.Configuration.Config);
            var seeds = config.GetStringList("akka.cluster.seed-nodes", []);
            await Step(report, "cluster", seeds.Count == 0 ? "found a cluster of its own" : $"join {string.Join(", ", seeds)}", async () =>
            {
                system = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(config, settings.SqliteSynchronous));
                var cluster = Akka.Cluster.Cluster.Get(system);
                var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                cluster.RegisterOnMemberUp(() => up.TrySetResult());
                if (seeds.Count == 0)
                {
                    await cluster.JoinAsync(cluster.SelfAddress, stop).ConfigureAwait(false);
                }

                await up.Task.WaitAsync(StepTimeout, stop).ConfigureAwait(false);
                report($"  member {cluster.SelfAddress}, logs in {logs}");
            }, stop).ConfigureAwait(false);

            var audit = Path.Combine(dataDir.FullName, "audit");
            var probe = Carries(NodeRoles.Audit) ? exchange!.AuditProbe(plan.Contracts[0].Symbol) : null;
            EnigmaAgents agents = null!;
            await Step(report, "agents", string.Join(", ", roles.Order(StringComparer.Ordinal)), async () =>
            {
                agents = await EnigmaNode.StartAsync(system!, new NodeServices(exchange!.Orders, plan.Contracts, exchange.StartingEquity)
                {
                    Risk = settings.Risk,
                    Signal = settings.Signal,
                    Execution = settings.Execution,
                    Orchestrator = settings.Orchestrator,
                    AuditProbe = probe,
                    Audit = settings.Audit(audit),
                    Optimizer = settings.Optimizer,
                    Notifications = settings.Notifications(plan.Mode == "node" ? $"node {settings.Node.Address}" : plan.Mode),
                    Http = http,
                    Roles = roles,
                }).ConfigureAwait(false);
                report($"  audit trail in {audit}");
            }, stop).ConfigureAwait(false);

            if (agents.Audit is { } auditAgent)
            {
                await Step(report, "audit", "the invariants hold before trading", async () =>
                {
                    var checks = await auditAgent.Ask<AuditPreChecked>(RunAuditPreChecks.Instance, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
                    if (checks.Violations.Count > 0)
                    {
                        throw new InvalidOperationException("invariant pre-checks failed: " + string.Join("; ", checks.Violations.Select(v => $"{v.Invariant}: {v.Detail}")));
                    }
                }, stop).ConfigureAwait(false);
            }

            if (Carries(NodeRoles.Data))
            {
                await Step(report, "market data", "streams opened, candle history warmed up", async () =>
                {
                    var feed = await exchange!.OpenMarketDataAsync(stop).ConfigureAwait(false);
                    var dataAgent = system!.ActorOf(Data.DataAgent.Props(feed, plan.Contracts, agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(3), agents.ExecutionRegion), "data");
                    agents.Orchestrator.Tell(new RegisterAgent(Agents.Data, dataAgent));
                    var warm = await dataAgent.Ask<Data.DataStarted>(Data.StartData.Instance, StepTimeout, stop).ConfigureAwait(false);
                    report("  warm-up: " + string.Join(", ", warm.WarmUpCandles.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Key} {w.Value} candles"))));
                }, stop).ConfigureAwait(false);
            }

            var inspector = new ClusterInspector(system!, agents, [.. plan.Contracts.Select(c => c.Symbol)]);
            string? token = null;
            if (plan.Admin is { } serve)
            {
                token = AdminToken(settings.Node, dataDir.FullName, report);
                await Step(report, "admin API", $"http://{settings.Node.AdminBind}:{settings.Node.AdminPort}/", async () =>
                {
                    admin = await serve(new AdminContext(system!, inspector, agents, token, () => started) { Configuration = settings.Configuration }, stop).ConfigureAwait(false);
                    report($"  admin API on {admin.Address} (enigma status --node {admin.Address.Authority})");
                }, stop).ConfigureAwait(false);
            }

            var driver = new ClusterStartup(plan, agents, Akka.Cluster.Cluster.Get(system!), report);
            if (plan.RefuseToStartInEmergency)
            {
                // A single process is its own cluster and holds the orchestrator: its startup runs here and now, and
                // a failure stops it, naming the step. A cluster node drives the startup from its watch below,
                // waiting (and saying so) for the nodes that carry the other roles.
                await driver.StartTradingAsync(stop).ConfigureAwait(false);
            }

            started = true;
            using var driving = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (plan.RunFor is { } limit)
            {
                driving.CancelAfter(limit);
            }

            var background = new List<Task>();
            if (Carries(NodeRoles.Orchestrator))
            {
                background.Add(Observed("the startup driver", driver.WatchAsync(driving.Token), report));
            }

            var running = new RunningNode(system!, agents, inspector, admin?.Address, token, dataDir.FullName, report);
            background.AddRange(plan.Companions.Select(companion => Observed("a companion (the optimizer's schedule)", companion(running, driving.Token), report)));
            if (plan.StatusEvery is { } every)
            {
                background.Add(Observed("the status line", StatusLinesAsync(agents, exchange!, plan.Contracts, every, report, driving.Token), report));
            }

            report($"node up: {Akka.Cluster.Cluster.Get(system!).SelfAddress} ({plan.Mode}) roles [{string.Join(", ", roles.Order(StringComparer.Ordinal))}] trading {string.Join(", ", plan.Contracts.Select(c => c.Symbol))} on {exchange!.Description}; admin {admin?.Address.ToString() ?? "off"}; Ctrl+C stops");

            // Until the duration ends, SIGTERM or Ctrl+C, or the cluster removes this node (enigma cluster leave, or downed).
            await Task.WhenAny(Task.Delay(Timeout.Infinite, driving.Token), system!.WhenTerminated).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await driving.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(background).ConfigureAwait(false);
            await StopAsync(system, agents, exchange, plan.Contracts, Carries(NodeRoles.Orchestrator), report).ConfigureAwait(false);
        }
        finally
        {
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            if (system is not null)
            {
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            }

            if (exchange is not null)
            {
                await exchange.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Work beside the node never ends it by failing: a failure is said, and the node stops in order as always.</summary>
    private static async Task Observed(string what, Task work, Action<string> report)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
        catch (Exception e)
        {
            report($"warning: {what} stopped: {e.GetBaseException().Message}");
        }
    }

    /// <summary>
    /// The node's admin token: the configured one, or for a node given none a new one written to
    /// <c>admin-token</c> in its data folder (readable by its owner only), so that the operator on this machine can
    /// steer it (<c>enigma emergency-stop --token-file ...</c>) and nobody else can. Never printed.
    /// </summary>
    public static string AdminToken(NodeSettings node, string dataDirectory, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(report);
        if (node.AdminToken is { } configured)
        {
            return configured;
        }

        var file = Path.Combine(dataDirectory, "admin-token");
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

        // A new file, readable by its owner from the moment it exists: never an old file someone else may hold open.
        File.Delete(file);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(file, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(token));
        }

        report($"  admin token in {file} (enigma emergency-stop --token-file {file})");
        return token;
    }

    /// <summary>
    /// The last member of its cluster ends trading (SHUTDOWN in the journal, so the next start resumes from it);
    /// a member with others leaves, handing its shards and singletons over first.
    /// </summary>
    private static async Task StopAsync(ActorSystem system, EnigmaAgents agents, IExchangeConnection exchange, IReadOnlyList<ContractSpec> contracts, bool orchestratorHere, Action<string> report)
    {
        if (system.WhenTerminated.IsCompleted)
        {
            report("the cluster removed this node (it was asked to leave, or downed); stopped");
            return;
        }

        var cluster = Akka.Cluster.Cluster.Get(system);
        var others = cluster.State.Members.Count(m => m.Address != cluster.SelfAddress && m.Status == Akka.Cluster.MemberStatus.Up);
        if (others == 0 && orchestratorHere)
        {
            try
            {
                await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Shutdown, "operator stop"), TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                report(await StatusLineAsync(agents, exchange, contracts, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or HttpRequestException)
            {
                report($"warning: the last status could not be read: {e.Message}");
            }

            report("stopped; state is in the journal");
            return;
        }

        report("leaving the cluster: shards and singletons are handed over first");
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
        report("left the cluster; stopped");
    }

    private static async Task StatusLinesAsync(EnigmaAgents agents, IExchangeConnection exchange, IReadOnlyList<ContractSpec> contracts, TimeSpan every, Action<string> report, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    report(await StatusLineAsync(agents, exchange, contracts, stop, seen).ConfigureAwait(false));
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException or HttpRequestException)
                {
                    report($"status: not read this time ({e.Message})");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Duration over, or Ctrl+C.
        }
    }

    /// <summary>The market's time, the state, equity and each symbol's position; the Audit agent's view and new decisions.</summary>
    private static async Task<string> StatusLineAsync(EnigmaAgents agents, IExchangeConnection exchange, IReadOnlyList<ContractSpec> contracts, CancellationToken cancellationToken, HashSet<string>? seen = null)
    {
        var ask = TimeSpan.FromSeconds(10);
        var state = (await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, ask, cancellationToken).ConfigureAwait(false)).State;
        var parts = new List<string>();
        foreach (var contract in contracts)
        {
            var status = await agents.ExecutionRegion.Ask<ExecutionStatus>(new Akka.Cluster.Sharding.ShardingEnvelope(contract.Symbol, GetExecutionStatus.Instance), ask, cancellationToken).ConfigureAwait(false);
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{contract.Symbol} {status.State.Position.Lots:+0;-0;0} lots, realised {status.State.Position.RealizedPnl:0.00}"));
        }

        var equity = await exchange.EquityAsync(cancellationToken).ConfigureAwait(false);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.FromUnixTimeMilliseconds(exchange.MarketTimeMs()):yyyy-MM-dd HH:mm} {TransitionResult.Name(state)} equity {equity:0.00} USDT | {string.Join(" | ", parts)}");
        if (agents.Audit is null || seen is null)
        {
            return line;
        }

        // The Audit agent's view: the latest signal per symbol, the seed's metrics, and what was decided since the last line.
        var report = await agents.Audit.Ask<AuditReport>(GetAuditReport.Instance, ask, cancellationToken).ConfigureAwait(false);
        var signals = string.Join(", ", report.LatestSignals.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Symbol} {s.Direction.ToString().ToLowerInvariant()} {s.Score:+0;-0;0}")));
        var fresh = report.RecentDecisions.Where(seen.Add).ToList();
        return line
            + Environment.NewLine + "    signals: " + (signals.Length == 0 ? "none yet" : signals) + " | " + AuditAgent.Describe(report.Metrics)
            + string.Concat(fresh.Select(d => Environment.NewLine + "    " + d));
    }

    /// <summary>Runs one named step, timed; a failure becomes a <see cref="NodeStartException"/> naming it.</summary>
    internal static async Task Step(Action<string> report, string name, string detail, Func<Task> run, CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            throw new NodeStartException($"node start, step {name} ({detail}): {e.GetBaseException().Message}", e);
        }

        report(string.Create(CultureInfo.InvariantCulture, $"start [{name}] {detail}: {watch.ElapsedMilliseconds} ms"));
    }
}

/// <summary>
/// The cluster's own startup, run by the node that holds the orchestrator (the oldest Up member with the role):
/// whenever the orchestrator is INITIALIZING (a new cluster, or the singleton moved after its node died) it waits for
/// the bus routes, recovers every symbol's position into the risk portfolio, names each symbol's baseline parameters,
/// then READY and TRADING. An emergency stop waits for a manual resume.
/// </summary>
internal sealed class ClusterStartup(NodePlan plan, EnigmaAgents agents, Akka.Cluster.Cluster cluster, Action<string> report)
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(10);

    // The operator's --resume answers the emergency stop this start found, once: an emergency stop that comes later
    // in the run waits for a person again (enigma resume), whatever flag the process was started with.
    private bool _resume = plan.ResumeAfterEmergency;
    private bool _reportedEmergency;
    private Address? _portfolioSeen;

    /// <summary>Whether this node is the oldest Up member with the orchestrator role.</summary>
    public bool IsDriver()
    {
        var oldest = cluster.State.Members.Where(m => m.HasRole(NodeRoles.Orchestrator) && m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        return oldest?.Address == cluster.SelfAddress;
    }

    /// <summary>The first pass of a single process, with every step named and a failure fatal.</summary>
    public async Task StartTradingAsync(CancellationToken stop)
    {
        var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, Ask, stop).ConfigureAwait(false);
        if (status.State == SystemState.EmergencyStop && !_resume && plan.RefuseToStartInEmergency)
        {
            var why = status.History.LastOrDefault(h => h.To == SystemState.EmergencyStop)?.Reason ?? "no reason recorded";
            throw new NodeStartException($"the last run ended in EMERGENCY_STOP ({why}); read the post-mortem in {Path.Combine(plan.DataDirectory, "audit", "post-mortem")}, then start again with --resume to resume by hand");
        }

        await PassAsync(status, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// At once, then every second for as long as the node runs: the orchestrator or the portfolio may move here. A
    /// step that cannot be done yet (the nodes with the other roles are still coming) is said and tried again.
    /// </summary>
    public async Task WatchAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                if (!IsDriver())
                {
                    continue;
                }

                try
                {
                    var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(5), stop).ConfigureAwait(false);
                    await PassAsync(status, stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException or NodeStartException or InvalidOperationException)
                {
                    report($"startup waits: {e.GetBaseException().Message}");
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    private async Task PassAsync(SystemStatus status, CancellationToken stop)
    {
        var resume = _resume;
        _resume = false;
        // A failed step is a NodeStartException naming it: fatal on a single process's first pass, said and tried
        // again by a cluster node's watch.
        Task Step(string name, string detail, Func<Task> run) => NodeHost.Step(report, name, detail, run, stop);
        if (status.State == SystemState.EmergencyStop)
        {
            var why = status.History.LastOrDefault(h => h.To == SystemState.EmergencyStop)?.Reason ?? "no reason recorded";
            if (!resume)
            {
                if (!_reportedEmergency)
                {
                    _reportedEmergency = true;
                    report($"EMERGENCY_STOP ({why}): read the post-mortem, then resume by hand (enigma resume)");
                }

                return;
            }

            // The resumed system trades with what the journals hold: the routes up, every position and the losing
            // streak recovered into the risk portfolio first, as at any start.
            report($"  resuming after EMERGENCY_STOP ({why}) on the operator's --resume");
            await RecoverAsync(Step, stop).ConfigureAwait(false);
            await Step("resume", "the operator's --resume", async () =>
            {
                Require(await agents.Orchestrator.Ask<object>(new ResumeAfterEmergency("operator (--resume)"), Ask, stop).ConfigureAwait(false));
                Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), Ask, stop).ConfigureAwait(false));
            }).ConfigureAwait(false);
            return;
        }

        _reportedEmergency = false;
        if (status.State != SystemState.Initializing)
        {
            // The risk portfolio is a singleton too: when its node goes, a fresh one starts on the next oldest node
            // with the role, knowing no position. Its positions are recovered into it again (the Execution entities
            // hold the truth; the proxy buffers until the new one is there).
            var portfolio = cluster.State.Members.Where(m => m.HasRole(NodeRoles.Risk) && m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault()?.Address;
            if (portfolio is not null && _portfolioSeen is not null && portfolio != _portfolioSeen)
            {
                report($"the risk portfolio moved to {portfolio}: positions recovered into it again");
                await EnigmaNode.RecoverPositionsAsync(agents, plan.Contracts, plan.Settings.Risk, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
            }

            _portfolioSeen = portfolio ?? _portfolioSeen;
            return;
        }

        await RecoverAsync(Step, stop).ConfigureAwait(false);
        await Step("parameters", "each symbol's baseline: the deployed version, or as configured", async () =>
        {
            var optimizer = agents.Optimizer is null ? null : await agents.Optimizer.Ask<OptimizerStatus>(GetOptimizerStatus.Instance, Ask, stop).ConfigureAwait(false);
            report(string.Create(CultureInfo.InvariantCulture,
                $"  optimizer: {(optimizer is null ? "none" : $"coordinator up ({optimizer.Workers.Count} worker(s) so far)")}; parameters: {string.Join(", ", plan.Contracts.Select(c => Baseline(c.Symbol)))}"));
        }).ConfigureAwait(false);
        await Step("ready", "SystemState READY", async () => Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup sequence done"), Ask, stop).ConfigureAwait(false))).ConfigureAwait(false);
        await Step("trading", "SystemState TRADING: the trading loop begins", async () => Require(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), Ask, stop).ConfigureAwait(false))).ConfigureAwait(false);
        report($"cluster trading {string.Join(", ", plan.Contracts.Select(c => c.Symbol))}");
    }

    /// <summary>The routes up, then every symbol's position and the losing streak recovered into the risk portfolio.</summary>
    private async Task RecoverAsync(Func<string, string, Func<Task>, Task> step, CancellationToken stop)
    {
        await step("routes", "the bus routes signals, approvals and stops to the shard regions", () => EnigmaNode.WaitForRoutesAsync(agents, TimeSpan.FromSeconds(30), stop)).ConfigureAwait(false);
        await step("positions", "each symbol's Execution entity recovered and reconciled; positions into the risk portfolio", async () =>
        {
            foreach (var recovered in await EnigmaNode.RecoverPositionsAsync(agents, plan.Contracts, plan.Settings.Risk, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false))
            {
                report(recovered.Phase == ExecutionPhase.Ready
                    ? string.Create(CultureInfo.InvariantCulture, $"  {recovered.Symbol}: Ready, reconciled with the exchange: position {recovered.State.Position.Lots:+0;-0;0} lots, {recovered.State.Orders.Values.Count(o => !o.IsFinal)} working order(s)")
                    : $"  {recovered.Symbol}: {recovered.Phase}{(recovered.ClosedReason is null ? "" : " — " + recovered.ClosedReason)}");
            }
        }).ConfigureAwait(false);
    }

    private string Baseline(string symbol)
    {
        try
        {
            return plan.Settings.Optimizer.ModelWeights is { } weights && ModelWeights.Latest(weights, Domain.Backtesting.StrategyCatalog.SignalScore, symbol) is { } deployed
                ? string.Create(CultureInfo.InvariantCulture, $"{symbol} v{deployed.Version}")
                : $"{symbol} as configured";
        }
        catch (InvalidDataException e)
        {
            return $"{symbol} as configured ({e.Message})";
        }
    }

    private static void Require(object reply)
    {
        if (reply is TransitionRefused refused)
        {
            throw new InvalidOperationException(refused.Reason);
        }
    }
}
