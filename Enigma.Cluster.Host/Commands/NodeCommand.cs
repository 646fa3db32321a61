using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Enigma.Actors.Audit;
using Enigma.Actors.Data;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Inspection;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Cluster.Host.Admin;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Exchange.KuCoin;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma node --roles ROLES --port PORT --seeds ADDRESSES --journal CONNECTION [--admin-port PORT] [--exchange URL]</c>:
/// one node of a multi-node cluster on a shared journal (<c>hocon/node.conf</c>; ENIGMA_NODE_&lt;KEY&gt;; the command
/// line wins). It runs the agents of its roles, serves the admin API, and stops on SIGTERM or Ctrl+C by leaving the
/// cluster (its shards are handed over first), or when it is told to leave (<c>enigma cluster leave</c>).
/// </summary>
public static class NodeCommand
{
    public static Command Build()
    {
        var config = new Option<FileInfo?>("--config") { Description = "A HOCON file whose enigma.node keys (and any Akka setting) go before the shipped hocon/node.conf." };
        var secretsFile = new Option<FileInfo?>("--secrets-file") { Description = $"NAME=value lines with {KuCoinCredentials.KeyVariable}, {KuCoinCredentials.SecretVariable} and {KuCoinCredentials.PassphraseVariable} (default: the environment)." };
        var resume = new Option<bool>("--resume") { Description = "On an orchestrator node: resume by hand after an emergency stop (read the post-mortem first)." };
        Option<string>[] keyed =
        [
            Keyed("--roles", "The agents this node carries: orchestrator, data, signal, risk, execution, audit, optimizer (comma-separated), or all."),
            Keyed("--hostname", "The address to bind remoting to (127.0.0.1; 0.0.0.0 in a container)."),
            Keyed("--public-hostname", "The name other nodes reach this one by (a container name)."),
            Keyed("--port", "The remoting port (0 picks a free one)."),
            Keyed("--seeds", "Seed nodes, comma-separated: akka.tcp://enigma@HOST:PORT. None: this node founds the cluster."),
            Keyed("--min-members", "Members that must have joined before the cluster's first nodes come Up."),
            Keyed("--journal", "The shared journal: a PostgreSQL or SQL Server connection string, or an SQLite file (one node only)."),
            Keyed("--journal-provider", "sqlite, postgresql or sqlserver (default: guessed from --journal)."),
            Keyed("--exchange", "A KuCoin-compatible address (a running enigma simulator); default KuCoin Futures."),
            Keyed("--symbols", "The contracts the cluster trades, comma-separated (every node must be given the same)."),
            Keyed("--data-dir", "Where this node's logs and audit trail go."),
            Keyed("--admin-bind", "The admin API's address (127.0.0.1 keeps it on this machine)."),
            Keyed("--admin-port", "The admin API's port (0: no admin API)."),
        ];
        var command = new Command("node", "Run one node of a multi-node cluster on a shared journal, with the agents of its roles and an admin API.")
        {
            config, secretsFile, resume,
        };
        foreach (var option in keyed)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            NodeSettings settings;
            List<ContractSpec> contracts;
            KuCoinCredentials credentials;
            try
            {
                var hocon = EnigmaConfig.Shipped("node.conf");
                if (parseResult.GetValue(config) is { } file)
                {
                    if (!file.Exists)
                    {
                        return terminal.Fail(ExitCodes.BadInput, $"--config: no file at {file.FullName}.");
                    }

                    hocon = ConfigurationFactory.ParseString(await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false)).WithFallback(hocon);
                }

                var given = keyed.Where(o => parseResult.GetResult(o) is { Implicit: false })
                    .ToDictionary(o => o.Name.TrimStart('-'), o => parseResult.GetValue(o)!, StringComparer.Ordinal);
                settings = NodeSettings.Load(hocon, given);
                if (!PaperCommand.TryParseSymbols([.. settings.Symbols], out contracts, out var unknown))
                {
                    return terminal.Fail(ExitCodes.Usage, unknown);
                }

                credentials = KuCoinCredentials.Load(Environment.GetEnvironmentVariable, parseResult.GetValue(secretsFile)?.FullName);
            }
            catch (Exception e) when (e is ConfigurationException or KuCoinConfigurationException or FileNotFoundException or ArgumentException)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            try
            {
                return await NodeRun.RunAsync(terminal, settings, contracts, credentials, parseResult.GetValue(resume), cancellationToken).ConfigureAwait(false);
            }
            catch (StartupFailedException e)
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }
        });
        return command;
    }

    private static Option<string> Keyed(string name, string description) => new(name) { Description = description + $" (enigma.node.{name.TrimStart('-')}; ENIGMA_NODE_{name.TrimStart('-').Replace('-', '_').ToUpperInvariant()})" };
}

/// <summary>A node's life: journal schema, exchange, join, agents, admin API, the startup sequence, then until stopped.</summary>
internal static class NodeRun
{
    public static async Task<int> RunAsync(Terminal terminal, NodeSettings settings, List<ContractSpec> contracts, KuCoinCredentials credentials, bool resumeAfterEmergency, CancellationToken stop)
    {
        terminal.Line($"node {settings}");
        var dataDir = Directory.CreateDirectory(settings.DataDirectory);
        var shipped = EnigmaConfig.Shipped("enigma.conf");
        Domain.Risk.RiskParameters risk;
        try
        {
            risk = TradingParameters.Risk(shipped);
        }
        catch (ConfigurationException e)
        {
            throw new StartupFailedException(e.Message, e);
        }

        bool Carries(string role) => settings.Roles.Contains(role);
        using var http = new HttpClient();
        ActorSystem? system = null;
        KuCoinWebSocketClient? stream = null;
        AdminServer? admin = null;
        var started = false;
        try
        {
            var journal = settings.Journal.ToNodeConfig();
            await Step("journal", $"tables on {settings.Journal.Describe()}", () => EnsureSchemaAsync(journal, stop)).ConfigureAwait(false);

            var options = settings.Exchange is null ? new KuCoinClientOptions { Credentials = credentials } : KuCoinClientOptions.ForAddress(settings.Exchange, credentials);
            var client = new KuCoinRestClient(http, options);
            decimal equity = 0;
            await Step("exchange", options.FuturesBaseAddress.ToString(), async () =>
            {
                KuCoinKeySafety.EnsureTradingOnly(await client.GetApiKeyInfoAsync(stop).ConfigureAwait(false));
                equity = (await client.GetAccountOverviewAsync(stop).ConfigureAwait(false)).AccountEquity;
            }).ConfigureAwait(false);

            var config = EnigmaNode.FileLogging(Path.Combine(dataDir.FullName, "logs", "node.log")).WithFallback(settings.ToClusterConfig());
            system = ActorSystem.Create("enigma", EnigmaConfig.Bootstrap(config));
            var cluster = Akka.Cluster.Cluster.Get(system);
            await Step("cluster", settings.Seeds.Count == 0 ? "founding a cluster" : $"joining {string.Join(", ", settings.Seeds)}", async () =>
            {
                var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                cluster.RegisterOnMemberUp(() => up.TrySetResult());
                if (settings.Seeds.Count == 0)
                {
                    await cluster.JoinAsync(cluster.SelfAddress, stop).ConfigureAwait(false);
                }

                await up.Task.WaitAsync(TimeSpan.FromMinutes(2), stop).ConfigureAwait(false);
            }).ConfigureAwait(false);

            var orchestratorSettings = TradingParameters.Orchestrator(shipped);
            var probe = Carries(NodeRoles.Audit) ? new KuCoinAuditProbe(client, contracts[0].Symbol) : null;
            EnigmaAgents agents = null!;
            await Step("agents", string.Join(", ", settings.Roles.Order(StringComparer.Ordinal)), async () =>
            {
                agents = await EnigmaNode.StartAsync(system, new NodeServices(new KuCoinExchangeGateway(client), contracts, equity)
                {
                    Risk = risk,
                    Signal = TradingParameters.Signal(shipped),
                    Execution = EnigmaConfig.ExecutionSettings(config.WithFallback(EnigmaConfig.Shipped("persistence.conf"))),
                    Orchestrator = orchestratorSettings,
                    AuditProbe = probe,
                    Audit = TradingParameters.Audit(shipped, Path.Combine(dataDir.FullName, "audit")),
                    Optimizer = TradingParameters.Optimizer(shipped),
                    Notifications = TradingParameters.Notifications(shipped, $"node {settings.Address}"),
                    Http = http,
                    Roles = settings.Roles,
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);

            if (Carries(NodeRoles.Data))
            {
                await Step("data", "KuCoin WebSocket streams and warm-up", async () =>
                {
                    stream = new KuCoinWebSocketClient(client, isPrivate: false);
                    await stream.StartAsync(stop).ConfigureAwait(false);
                    if (probe is not null)
                    {
                        probe.Stream = stream;
                    }

                    var dataAgent = system.ActorOf(DataAgent.Props(client, stream, contracts, agents.SignalRegion, agents.RiskRegion, TimeSpan.FromDays(3), agents.ExecutionRegion), "data");
                    agents.Orchestrator.Tell(new RegisterAgent(Agents.Data, dataAgent));
                    var warm = await dataAgent.Ask<DataStarted>(StartData.Instance, TimeSpan.FromMinutes(2), stop).ConfigureAwait(false);
                    terminal.Line("  warm-up: " + string.Join(", ", warm.WarmUpCandles.Select(w => $"{w.Key} {w.Value} candles")));
                }).ConfigureAwait(false);
            }

            var inspector = new ClusterInspector(system, agents, [.. contracts.Select(c => c.Symbol)]);
            if (settings.AdminPort != 0)
            {
                await Step("admin", $"http://{settings.AdminBind}:{settings.AdminPort}/", async () =>
                    admin = await AdminServer.StartAsync(system, inspector, settings.AdminBind, settings.AdminPort, settings.AdminToken, () => started, stop).ConfigureAwait(false)).ConfigureAwait(false);
            }

            started = true;
            terminal.Line($"node up: {cluster.SelfAddress} roles [{string.Join(", ", settings.Roles.Order(StringComparer.Ordinal))}] admin {admin?.Address.ToString() ?? "off"}");
            using var driving = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var driver = Carries(NodeRoles.Orchestrator)
                ? DriveStartupAsync(terminal, cluster, agents, contracts, risk, resumeAfterEmergency, driving.Token)
                : Task.CompletedTask;
            var optimizerSettings = TradingParameters.Optimizer(shipped);
            var schedule = Task.CompletedTask;
            if (optimizerSettings.Schedule is { } every && Carries(NodeRoles.Optimizer))
            {
                if (admin is null || settings.AdminToken is null)
                {
                    terminal.Warn("enigma.optimizer.schedule is set, but the scheduled cycle needs this node's admin API and token (enigma.node.admin-port, admin-token): it does not run here.");
                }
                else
                {
                    schedule = Backtest.ScheduledOptimization.RunAsync(every, optimizerSettings.ScheduleArguments, admin.Address, settings.AdminToken, cluster.SelfAddress.ToString(),
                        inspector.OptimizerStatusAsync, agents.Bus, Path.Combine(dataDir.FullName, "optimizer"), terminal.Line, driving.Token);
                }
            }

            // Until SIGTERM / Ctrl+C, or until the cluster removes this node (enigma cluster leave, or downed).
            await Task.WhenAny(Task.Delay(Timeout.Infinite, stop), system.WhenTerminated).ConfigureAwait(false);
            await driving.CancelAsync().ConfigureAwait(false);
            await driver.ConfigureAwait(false);
            await schedule.ConfigureAwait(false);
            var left = system.WhenTerminated.IsCompleted;
            if (!left)
            {
                terminal.Line("leaving the cluster: shards and singletons are handed over first");
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
            }

            terminal.Line(left ? "the cluster removed this node (it was asked to leave, or downed); stopped" : "left the cluster; stopped");
            return ExitCodes.Success;
        }
        finally
        {
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (system is not null)
            {
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            }
        }

        async Task Step(string name, string detail, Func<Task> run)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await run().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                throw new StartupFailedException($"node start, step {name} ({detail}): {e.GetBaseException().Message}", e);
            }

            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"  {name}: {detail} ({watch.ElapsedMilliseconds} ms)"));
        }
    }

    /// <summary>
    /// Several nodes starting together on an empty database race to create the tables; the loser's error is
    /// harmless (the tables are there), so the step is tried again before it is reported.
    /// </summary>
    private static async Task EnsureSchemaAsync(Config journal, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await JournalSchema.EnsureAsync(journal, stop).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < 3 && !stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The startup sequence's last steps for the whole cluster, on the node that hosts the orchestrator singleton (the
    /// oldest node with the role): whenever the orchestrator is INITIALIZING (a new cluster, or the singleton moved
    /// after its node died), wait for the bus routes, recover every symbol's position into the risk portfolio, then
    /// READY and TRADING. An emergency stop waits for a manual resume (<c>enigma resume</c>, or <c>--resume</c>).
    /// </summary>
    private static async Task DriveStartupAsync(Terminal terminal, Akka.Cluster.Cluster cluster, EnigmaAgents agents, List<ContractSpec> contracts, Domain.Risk.RiskParameters risk, bool resumeAfterEmergency, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var reportedEmergency = false;
        Address? portfolioSeen = null;
        try
        {
            do
            {
                var oldest = cluster.State.Members.Where(m => m.HasRole(NodeRoles.Orchestrator) && m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
                if (oldest?.Address != cluster.SelfAddress)
                {
                    continue;
                }

                try
                {
                    var status = await agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(5), stop).ConfigureAwait(false);
                    if (status.State == SystemState.EmergencyStop && resumeAfterEmergency)
                    {
                        resumeAfterEmergency = false;
                        terminal.Line("resuming after EMERGENCY_STOP on the operator's --resume");
                        await agents.Orchestrator.Ask<object>(new ResumeAfterEmergency("operator (--resume)"), TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
                        await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
                    }
                    else if (status.State == SystemState.EmergencyStop && !reportedEmergency)
                    {
                        reportedEmergency = true;
                        var why = status.History.LastOrDefault(h => h.To == SystemState.EmergencyStop)?.Reason ?? "no reason recorded";
                        terminal.Line($"EMERGENCY_STOP ({why}): read the post-mortem, then resume by hand (enigma resume)");
                    }
                    else if (status.State != SystemState.Initializing)
                    {
                        // The risk portfolio is a singleton too: when its node goes, a fresh one starts on the next
                        // oldest node with the role, knowing no position. Startup step 7 is run again for it (the
                        // Execution entities hold the truth; the proxy buffers until the new one is there).
                        var portfolio = cluster.State.Members.Where(m => m.HasRole(NodeRoles.Risk) && m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault()?.Address;
                        if (portfolio is not null && portfolioSeen is not null && portfolio != portfolioSeen)
                        {
                            terminal.Line($"the risk portfolio moved to {portfolio}: positions recovered into it again");
                            await EnigmaNode.RecoverPositionsAsync(agents, contracts, risk, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
                        }

                        portfolioSeen = portfolio ?? portfolioSeen;
                    }

                    if (status.State == SystemState.Initializing)
                    {
                        await EnigmaNode.WaitForRoutesAsync(agents, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
                        foreach (var recovered in await EnigmaNode.RecoverPositionsAsync(agents, contracts, risk, TimeSpan.FromSeconds(30), stop).ConfigureAwait(false))
                        {
                            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"  {recovered.Symbol}: {recovered.Phase}, position {recovered.State.Position.Lots:+0;-0;0} lots{(recovered.ClosedReason is null ? "" : " — " + recovered.ClosedReason)}"));
                        }

                        await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup sequence done"), TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
                        var reply = await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "trading loop begins"), TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
                        terminal.Line(reply is TransitionRefused refused ? $"not trading: {refused.Reason}" : $"cluster trading {string.Join(", ", contracts.Select(c => c.Symbol))}");
                    }
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException)
                {
                    terminal.Line($"startup waits: {e.Message}");
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }
}
