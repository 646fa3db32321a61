using System.CommandLine;
using Akka.Configuration;
using Enigma.Actors.Hosting;
using Enigma.Cluster.Host.Admin;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// What <c>paper</c>, <c>live</c> and <c>node</c> share on the command line and at run time: the one configuration
/// path (<c>--config</c>, <c>--set</c>, the environment, the mode's own options), and one node started by
/// <see cref="NodeHost"/>; the modes only choose the exchange, the journal and the roles.
/// </summary>
internal static class NodeModes
{
    public static Option<FileInfo?> ConfigOption() => new("--config") { Description = "A HOCON file layered over the shipped hocon/ (any key: enigma.risk, enigma.node, akka...); the environment and the command line go over it." };

    public static Option<string[]> SetOption() => new("--set") { Description = "KEY=VALUE for any configuration key, over every other source (--set enigma.risk.max-position-percent=5). Secrets belong in the environment.", AllowMultipleArgumentsPerToken = false };

    public static Option<bool> ResumeOption() => new("--resume") { Description = "Resume by hand after an emergency stop (read the post-mortem first)." };

    public static Option<string?> DurationOption() => new("--duration") { Description = "Trade for this long once started (e.g. 90s, 10m, 2h); default: until Ctrl+C." };

    /// <summary>An option that sets a key of <c>enigma.node</c> (<c>--admin-port</c> → <c>enigma.node.admin-port</c>).</summary>
    public static Option<string> NodeKey(string name, string description) =>
        new(name) { Description = description + $" (enigma.node.{name.TrimStart('-')}; ENIGMA_NODE_{name.TrimStart('-').Replace('-', '_').ToUpperInvariant()})" };

    /// <summary>The keys given on the command line: the mode's own <see cref="NodeKey"/> options, then every --set.</summary>
    public static List<CommandLineSetting> CommandLine(ParseResult parseResult, IEnumerable<Option<string>> nodeKeys, Option<string[]> set)
    {
        var settings = nodeKeys.Where(o => parseResult.GetResult(o) is { Implicit: false })
            .Select(o => NodeSettings.Option(o.Name.TrimStart('-'), parseResult.GetValue(o)!))
            .ToList();
        settings.AddRange((parseResult.GetValue(set) ?? []).Select(CommandLineSetting.Parse));
        return settings;
    }

    /// <summary>
    /// Loads and checks every setting. A single-process mode keeps its journal in its data folder unless one is
    /// configured, so the data folder is read first (from whichever source set it).
    /// </summary>
    public static EnigmaSettings LoadSettings(string mode, string defaultDataDirectory, FileInfo? file, List<CommandLineSetting> commandLine, bool singleProcess)
    {
        ConfigurationInputs Inputs(string dataDirectory) => new()
        {
            File = file?.FullName,
            CommandLine = commandLine,
            ModeName = $"{mode}'s defaults",
            ModeDefaults = singleProcess ? SingleProcessDefaults(dataDirectory) : Config.Empty,
        };

        var first = EnigmaConfiguration.Load(Inputs(defaultDataDirectory));
        var dataDirectory = first.Config.GetString("enigma.node.data-dir", defaultDataDirectory) is { Length: > 0 } dir ? dir : defaultDataDirectory;
        var configuration = dataDirectory == defaultDataDirectory ? first : EnigmaConfiguration.Load(Inputs(dataDirectory));
        if (singleProcess)
        {
            // A shell or a file made for a cluster node must not turn a single process into a partial node (no Audit
            // agent, no risk portfolio) or point it at a shared journal or cluster: refused, saying where it came from.
            foreach (var key in new[] { "roles", "seeds", "min-members", "journal", "journal-provider" })
            {
                if (configuration.SetByOperator("enigma.node." + key))
                {
                    throw new ConfigurationException($"enigma.node.{key} is set by {configuration.SourceOf("enigma.node." + key)}, but {mode} runs every agent on one node of its own, its journal in its data folder: unset it, or run enigma node.");
                }
            }
        }

        return EnigmaSettings.Load(configuration);
    }

    /// <summary>
    /// A single process (paper, live) is a cluster of one on loopback with every agent, its journal an SQLite file in
    /// its data folder: the same node as a cluster's, with these defaults.
    /// </summary>
    private static Config SingleProcessDefaults(string dataDirectory)
    {
        return ConfigurationFactory.ParseString($$"""
            enigma.node {
              hostname = "127.0.0.1"
              public-hostname = ""
              port = 0
              roles = "all"
              seeds = ""
              min-members = 1
              data-dir = {{EnigmaConfig.HoconString(dataDirectory)}}
              journal = {{EnigmaConfig.HoconString(Path.Combine(dataDirectory, "journal.db"))}}
              journal-provider = "sqlite"
            }
            """);
    }

    /// <summary>
    /// The node a mode runs: its settings, contracts, journal, data folder and admin API from the configuration. A
    /// single process (paper, live) prints a status line, ends trading in SHUTDOWN and refuses to start in an emergency
    /// stop without --resume; a cluster node leaves its cluster instead and waits for <c>enigma resume</c>.
    /// </summary>
    public static NodePlan Plan(string mode, bool singleProcess, EnigmaSettings settings, List<ContractSpec> contracts, bool resume, Func<Action<string>, CancellationToken, Task<IExchangeConnection>> connect) => new()
    {
        Mode = mode,
        Settings = settings,
        Contracts = contracts,
        Journal = settings.Node.Journal,
        DataDirectory = Path.GetFullPath(settings.Node.DataDirectory),
        LogFile = singleProcess ? "enigma.log" : "node.log",
        Admin = Admin(settings.Node),
        RefuseToStartInEmergency = singleProcess,
        ResumeAfterEmergency = resume,
        StatusEvery = singleProcess ? TimeSpan.FromSeconds(2) : null,
        Companions = Companions(settings),
        ConnectExchange = connect,
    };

    /// <summary>Starts the node and runs it until it stops; exit code 2 with the failed step's name when it cannot start.</summary>
    public static async Task<int> RunAsync(Terminal terminal, NodePlan plan, CancellationToken cancellationToken)
    {
        try
        {
            await NodeHost.RunAsync(plan, terminal.Line, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (NodeStartException e)
        {
            return terminal.Fail(ExitCodes.BadInput, e.Message);
        }
    }

    /// <summary>The admin API on the node's address and port (<c>enigma.node.admin-*</c>); none on port 0.</summary>
    public static Func<AdminContext, CancellationToken, Task<IAdminEndpoint>>? Admin(NodeSettings node) =>
        node.AdminPort == 0
            ? null
            : async (context, ct) => await AdminServer.StartAsync(context.System, context.Inspector, node.AdminBind, node.AdminPort, context.Token, context.Started, ct, context.Configuration).ConfigureAwait(false);

    /// <summary>The optimizer's scheduled cycle beside a node with the role (enigma.optimizer.schedule), through its admin API.</summary>
    public static IReadOnlyList<Func<RunningNode, CancellationToken, Task>> Companions(EnigmaSettings settings)
    {
        if (settings.Optimizer.Schedule is not { } every || !settings.Node.Roles.Contains(NodeRoles.Optimizer))
        {
            return [];
        }

        // The cycle runs in this process, through the coordinator's proxy: it needs no admin API, no token and no
        // child process.
        return [(node, ct) => Backtest.ScheduledOptimization.RunAsync(every, settings.Optimizer.ScheduleArguments, node, Path.Combine(node.DataDirectory, "optimizer"), ct)];
    }

    /// <summary>The contracts named in enigma.node.symbols, each a known one.</summary>
    public static List<ContractSpec> Contracts(NodeSettings node)
    {
        if (!CommandInput.TryParseSymbols([.. node.Symbols], out var contracts, out var unknown))
        {
            throw new ConfigurationException(unknown);
        }

        return contracts;
    }

    /// <summary>The KuCoin client's address and credentials for a node trading <paramref name="exchange"/> (null: KuCoin Futures).</summary>
    public static KuCoinClientOptions ClientOptions(Uri? exchange, KuCoinCredentials credentials) =>
        exchange is null ? new KuCoinClientOptions { Credentials = credentials } : KuCoinClientOptions.ForAddress(exchange, credentials);

    public static bool IsBadInput(Exception e) => e is ConfigurationException or KuCoinConfigurationException or FileNotFoundException or ArgumentException;
}
