using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Enigma.Actors.Inspection;
using Enigma.Cluster.Host.Admin;
using Spectre.Console;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// The cluster inspection a Petabridge.Cmd user expects, through a node's admin API (<c>--node host:port</c>, tables
/// by default, <c>--json</c> for scripts): <c>cluster show|leave|down</c>, <c>shards show|where</c>, <c>agents</c>,
/// <c>status</c>, and the operator's <c>emergency-stop</c>, <c>pause</c>, <c>resume</c> (these need the node's token:
/// <c>--token</c> or ENIGMA_NODE_ADMIN_TOKEN).
/// </summary>
public static class InspectCommands
{
    public const string DefaultNode = "127.0.0.1:9110";

    public static IEnumerable<Command> Build()
    {
        var cluster = new Command("cluster", "The cluster's members (show), and asking one to leave or marking it down.");
        cluster.Subcommands.Add(Read("show", "Members, their status and roles, the leader, unreachable members.", "api/cluster", PrintCluster));
        cluster.Subcommands.Add(MemberCommand("leave", "Ask a member to leave: its shards and singletons move to the others, then it stops."));
        cluster.Subcommands.Add(MemberCommand("down", "Mark a member down (a node known dead): its shards re-home on the survivors at once."));
        yield return cluster;

        var shards = new Command("shards", "Where the per-symbol entities run.");
        var type = new Argument<string?>("TYPE") { Description = "signal, risk or execution (default: all three).", Arity = ArgumentArity.ZeroOrOne };
        var show = Read("show", "Regions, shards and entities per node.", "api/shards", PrintShards);
        show.Arguments.Add(type);
        show.SetAction(ReadAction(show, r => "api/shards" + (r.GetValue(type) is { } t ? "?type=" + Uri.EscapeDataString(t) : ""), PrintShards));
        shards.Subcommands.Add(show);
        var symbol = new Argument<string>("SYMBOL") { Description = "A traded symbol (XBTUSDTM)." };
        var where = Read("where", "The node that runs a symbol's signal, risk and execution entities.", "", PrintPlacements);
        where.Arguments.Add(symbol);
        where.SetAction(ReadAction(where, r => "api/shards/where/" + Uri.EscapeDataString(r.GetValue(symbol)!.Trim()), PrintPlacements));
        shards.Subcommands.Add(where);
        yield return shards;

        yield return Read("agents", "The orchestrator's agent registry and health.", "api/agents", PrintAgents);
        yield return Read("status", "The orchestrator's state, each symbol's position and PnL, the portfolio.", "api/status", PrintStatus);
        yield return Read("optimizer", "The Optimizer agent: its coordinator, its workers (node, jobs taken at once, held now, finished), the queue, and the live trades it measures.", "api/optimizer", PrintOptimizer);
        var keys = new Argument<string[]>("KEY") { Description = "Keys to show (enigma.risk.max-position-percent, akka.cluster.roles); none: every enigma key.", Arity = ArgumentArity.ZeroOrMore };
        var config = Read("config", "What the node runs with: each key's value and where it came from (shipped, --config, environment, command line); secrets hidden.", "api/config", PrintConfig);
        config.Arguments.Add(keys);
        config.SetAction(ReadAction(config, r => "api/config" + string.Concat((r.GetValue(keys) ?? []).Select((k, i) => (i == 0 ? "?" : "&") + "key=" + Uri.EscapeDataString(k))), PrintConfig));
        yield return config;
        yield return Health();
        yield return Operator("emergency-stop", "EMERGENCY_STOP: cancel working orders, close positions at market, wait for a manual resume.", "api/emergency-stop");
        yield return Operator("pause", "TRADING → PAUSED: no new entries; open positions keep their stops.", "api/pause");
        yield return Operator("resume", "PAUSED → TRADING; after an emergency stop, the manual resume (read the post-mortem first).", "api/resume");
    }

    /// <summary>For container health checks (the runtime image has no curl): 0 when ready, 1 when not.</summary>
    private static Command Health()
    {
        var url = new Option<string?>("--url") { Description = "Any http address to GET instead (the simulator's /api/v1/status)." };
        var command = new Command("health", "Exit 0 when the node is ready (/health/ready), 1 when not: for container and orchestrator health checks.") { NodeOption(), url };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            Uri address;
            try
            {
                address = parseResult.GetValue(url) is { } given
                    ? (Uri.TryCreate(given, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u : throw new ArgumentException($"--url '{given}' is not an http(s) address."))
                    : new Uri(AdminClient.ParseNode(parseResult.GetValue(command.Options.OfType<Option<string>>().First(o => o.Name == "--node"))!), "health/ready");
            }
            catch (ArgumentException e)
            {
                return terminal.Fail(ExitCodes.Usage, e.Message);
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await http.GetAsync(address, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                terminal.Line($"{address}: {(int)response.StatusCode} {body.Split('\n')[0]}");
                return response.IsSuccessStatusCode ? ExitCodes.Success : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                terminal.Line($"{address}: no answer ({e.Message})");
                return 1;
            }
        });
        return command;
    }

    private static Option<string> NodeOption() => new("--node") { Description = $"A node's admin address, HOST:PORT (default {DefaultNode}).", DefaultValueFactory = _ => DefaultNode };

    private static Option<bool> JsonOption() => new("--json") { Description = "The node's JSON answer instead of a table." };

    private static Option<string?> TokenOption() => new("--token") { Description = "The node's admin token (default: ENIGMA_NODE_ADMIN_TOKEN, then --token-file)." };

    /// <summary>Paper's default data folder: a trader steering the paper run started from the same folder needs no option.</summary>
    public const string DefaultTokenFile = "enigma-data/admin-token";

    private static Option<FileInfo?> TokenFileOption() => new("--token-file") { Description = $"A file holding the node's admin token, as a node given none writes it (DATA-DIR/admin-token; default {DefaultTokenFile} when it exists)." };

    /// <summary>--token, ENIGMA_NODE_ADMIN_TOKEN, --token-file, then paper's token file in this folder; null when none.</summary>
    private static string? Token(ParseResult parseResult, Command command)
    {
        if (command.Options.FirstOrDefault(o => o.Name == "--token") is not Option<string?> option)
        {
            return null;
        }

        if ((parseResult.GetValue(option) ?? Environment.GetEnvironmentVariable("ENIGMA_NODE_ADMIN_TOKEN")) is { Length: > 0 } given)
        {
            return given.Trim();
        }

        var file = command.Options.FirstOrDefault(o => o.Name == "--token-file") is Option<FileInfo?> f ? parseResult.GetValue(f) : null;
        if (file is not null && !file.Exists)
        {
            throw new ArgumentException($"--token-file: no file at {file.FullName}.");
        }

        file ??= File.Exists(DefaultTokenFile) ? new FileInfo(DefaultTokenFile) : null;
        return file is null ? null : File.ReadAllText(file.FullName).Trim();
    }

    private static Command Read(string name, string description, string path, Action<Terminal, JsonElement> print)
    {
        var command = new Command(name, description) { NodeOption(), JsonOption() };
        command.SetAction(ReadAction(command, _ => path, print));
        return command;
    }

    private static Func<ParseResult, CancellationToken, Task<int>> ReadAction(Command command, Func<ParseResult, string> path, Action<Terminal, JsonElement> print) =>
        (parseResult, cancellationToken) => CallAsync(parseResult, command, (client, ct) => client.GetAsync(path(parseResult), ct), print, cancellationToken);

    private static Command MemberCommand(string name, string description)
    {
        var address = new Argument<string>("ADDRESS") { Description = "The member, as cluster show lists it: akka.tcp://enigma@HOST:PORT." };
        var command = new Command(name, description) { address, NodeOption(), JsonOption(), TokenOption(), TokenFileOption() };
        command.SetAction((parseResult, cancellationToken) => CallAsync(parseResult, command,
            (client, ct) => client.PostAsync("api/cluster/" + name, new AdminRequest(parseResult.GetValue(address), null), ct), PrintOutcome, cancellationToken));
        return command;
    }

    private static Command Operator(string name, string description, string path)
    {
        var reason = new Option<string?>("--reason") { Description = "Why, for the journal and the post-mortem." };
        var command = new Command(name, description) { reason, NodeOption(), JsonOption(), TokenOption(), TokenFileOption() };
        command.SetAction((parseResult, cancellationToken) => CallAsync(parseResult, command,
            (client, ct) => client.PostAsync(path, new AdminRequest(null, parseResult.GetValue(reason)), ct), PrintOutcome, cancellationToken));
        return command;
    }

    private static async Task<int> CallAsync(ParseResult parseResult, Command command, Func<AdminClient, CancellationToken, Task<JsonElement>> call, Action<Terminal, JsonElement> print, CancellationToken cancellationToken)
    {
        var terminal = Terminal.For(parseResult);
        string Value(string option) => command.Options.FirstOrDefault(o => o.Name == option) is Option<string> o ? parseResult.GetValue(o) ?? "" : "";
        var json = command.Options.FirstOrDefault(o => o.Name == "--json") is Option<bool> j && parseResult.GetValue(j);
        string? token;
        Uri node;
        try
        {
            node = AdminClient.ParseNode(Value("--node"));
            token = Token(parseResult, command);
        }
        catch (ArgumentException e)
        {
            return terminal.Fail(ExitCodes.Usage, e.Message);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        try
        {
            var answer = await call(new AdminClient(http, node, string.IsNullOrWhiteSpace(token) ? null : token.Trim()), cancellationToken).ConfigureAwait(false);
            if (json)
            {
                terminal.Line(JsonSerializer.Serialize(answer, AdminClient.Json));
            }
            else
            {
                print(terminal, answer);
            }

            return ExitCodes.Success;
        }
        catch (AdminCallException e)
        {
            return terminal.Fail(e.ExitCode, e.Message);
        }
    }

    private static T Read<T>(JsonElement answer) => answer.Deserialize<T>(AdminClient.Json) ?? throw new AdminCallException(AdminClient.NodeUnavailable, $"the node's answer is not a {typeof(T).Name}");

    private static void PrintCluster(Terminal terminal, JsonElement answer)
    {
        var view = Read<ClusterView>(answer);
        var table = new Table().AddColumns("address", "status", "roles", "reachable", "");
        foreach (var member in view.Members)
        {
            table.AddRow(Markup.Escape(member.Address), member.Status, string.Join(",", member.Roles), member.Reachable ? "yes" : "[red]no[/]",
                (member.Address == view.Leader ? "leader " : "") + (member.Self ? "(answering)" : ""));
        }

        terminal.Out.Write(table);
        terminal.Line($"{view.Members.Count} member(s), {view.Members.Count(m => m.Status == "Up")} up, {view.Unreachable.Count} unreachable; leader {view.Leader ?? "none"}");
    }

    private static void PrintShards(Terminal terminal, JsonElement answer)
    {
        var view = Read<ShardsView>(answer);
        var table = new Table().AddColumns("type", "node", "shard", "entities", "symbols");
        foreach (var region in view.Regions)
        {
            if (region.Shards.Count == 0)
            {
                table.AddRow(region.Type, Markup.Escape(region.Node), "-", "0", "");
            }

            foreach (var shard in region.Shards)
            {
                table.AddRow(region.Type, Markup.Escape(region.Node), shard.Shard, shard.Entities.ToString(CultureInfo.InvariantCulture), string.Join(",", shard.Symbols));
            }
        }

        terminal.Out.Write(table);
        foreach (var problem in view.Problems)
        {
            terminal.Warn(problem);
        }
    }

    private static void PrintPlacements(Terminal terminal, JsonElement answer)
    {
        var placements = Read<List<SymbolPlacement>>(answer);
        var table = new Table().AddColumns("symbol", "type", "shard", "node");
        foreach (var p in placements)
        {
            table.AddRow(p.Symbol, p.Type, p.Shard, Markup.Escape(p.Node ?? "not allocated yet"));
        }

        terminal.Out.Write(table);
    }

    private static void PrintAgents(Terminal terminal, JsonElement answer)
    {
        var agents = Read<List<AgentView>>(answer);
        var table = new Table().AddColumns("agent", "address", "healthy", "restarts", "last heartbeat");
        foreach (var a in agents)
        {
            table.AddRow(a.Name, Markup.Escape(a.Address), a.Healthy ? "yes" : "[red]no[/]", a.Restarts.ToString(CultureInfo.InvariantCulture), a.LastHeartbeatMs == 0 ? "-" : ClusterInspector.Time(a.LastHeartbeatMs));
        }

        terminal.Out.Write(table);
    }

    private static void PrintOptimizer(Terminal terminal, JsonElement answer)
    {
        var status = Read<Actors.Optimization.OptimizerStatus>(answer);
        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"coordinator: {status.Coordinator}; workers: {status.Workers.Count}; queued {status.Queued}; running {status.Running}; batches {status.Batches}; finished {status.Finished}"));
        var table = new Table().AddColumns("worker node", "takes at once", "holds now", "finished");
        foreach (var w in status.Workers)
        {
            table.AddRow(Markup.Escape(w.Node), w.Capacity.ToString(CultureInfo.InvariantCulture), w.Running.ToString(CultureInfo.InvariantCulture), w.Finished.ToString(CultureInfo.InvariantCulture));
        }

        terminal.Out.Write(table);
        if (status.Live.Count > 0)
        {
            var live = new Table().AddColumns("symbol", "live trades", "wins", "net PnL");
            foreach (var l in status.Live)
            {
                live.AddRow(l.Symbol, l.Trades.ToString(CultureInfo.InvariantCulture), l.Wins.ToString(CultureInfo.InvariantCulture), l.NetPnl.ToString("0.00", CultureInfo.InvariantCulture));
            }

            terminal.Out.Write(live);
        }
    }

    private static void PrintStatus(Terminal terminal, JsonElement answer)
    {
        var view = Read<StatusView>(answer);
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"state {view.State}; equity {(view.Equity is { } e ? e.ToString("0.00", CultureInfo.InvariantCulture) : "?")} USDT; realised {view.RealizedPnl:0.00} USDT; losing streak {view.ConsecutiveLosses?.ToString(CultureInfo.InvariantCulture) ?? "?"}"));
        if (view.Limits is { } limits)
        {
            terminal.Line(string.Create(CultureInfo.InvariantCulture,
                $"risk limits: position {limits.MaxPositionPercent}% of equity, exposure {limits.MaxTotalExposurePercent}%, {limits.MaxOpenPositions} open at most, daily drawdown {limits.MaxDailyDrawdownPercent}%, {limits.MaxConsecutiveLosses} losses in a row, leverage {limits.DefaultLeverage}x"));
        }

        var table = new Table().AddColumns("symbol", "phase", "lots", "avg entry", "realised", "fees", "working orders", "events", "node");
        foreach (var p in view.Positions)
        {
            table.AddRow(p.Symbol, Markup.Escape(p.Phase + (p.ClosedReason is null ? "" : " (" + p.ClosedReason + ")")), p.Lots.ToString("+0;-0;0", CultureInfo.InvariantCulture),
                p.AverageEntry.ToString(CultureInfo.InvariantCulture), p.RealizedPnl.ToString("0.00", CultureInfo.InvariantCulture), p.FeesPaid.ToString("0.00", CultureInfo.InvariantCulture),
                p.WorkingOrders.ToString(CultureInfo.InvariantCulture), p.Events.ToString(CultureInfo.InvariantCulture), Markup.Escape(p.Node ?? "?"));
        }

        terminal.Out.Write(table);
        if (view.Signals.Count > 0)
        {
            terminal.Line("signals: " + string.Join(", ", view.Signals.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Symbol} {(s.Score is { } score ? $"{s.Direction?.ToLowerInvariant()} {score:+0;-0;0}" : "none yet")} ({s.CandlesSeen} candles)"))));
        }

        foreach (var h in view.History)
        {
            terminal.Line($"  {ClusterInspector.Time(h.AtMs)} {h.From} → {h.To}: {h.Reason}");
        }

        foreach (var problem in view.Problems)
        {
            terminal.Warn(problem);
        }
    }

    private static void PrintConfig(Terminal terminal, JsonElement answer)
    {
        foreach (var entry in Read<List<Enigma.Actors.Hosting.ConfigEntry>>(answer))
        {
            terminal.Line($"{entry.Key} = {entry.Value ?? "(not set)"}  [{entry.Source}]");
        }
    }

    private static void PrintOutcome(Terminal terminal, JsonElement answer) => terminal.Line(Read<CommandOutcome>(answer).Message);
}
