using System.Globalization;
using Akka.Configuration;
using Enigma.Actors.JournalTools;

namespace Enigma.Actors.Hosting;

/// <summary>
/// What <c>enigma node</c> runs with (<c>hocon/node.conf</c>, section <c>enigma.node</c>): its address, roles, seeds,
/// the shared journal, the exchange and the admin API. Each key is read from the command line first, then from
/// ENIGMA_NODE_&lt;KEY&gt;, then from the HOCON; every value is checked, and an error names the key and what was wrong.
/// </summary>
public sealed record NodeSettings
{
    public required string Hostname { get; init; }

    /// <summary>The name other nodes use to reach this one (a container name); the hostname when not set.</summary>
    public required string PublicHostname { get; init; }

    public required int Port { get; init; }

    public required IReadOnlySet<string> Roles { get; init; }

    public required IReadOnlyList<string> Seeds { get; init; }

    public required int MinMembers { get; init; }

    public required JournalSource Journal { get; init; }

    public Uri? Exchange { get; init; }

    public required IReadOnlyList<string> Symbols { get; init; }

    public required string DataDirectory { get; init; }

    public required string AdminBind { get; init; }

    /// <summary>0: no admin API on this node.</summary>
    public required int AdminPort { get; init; }

    /// <summary>Required by the admin commands that change anything; null: those are refused. Never printed.</summary>
    public string? AdminToken { get; init; }

    /// <summary>This node's address in the cluster, as seeds name it.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://enigma@{PublicHostname}:{Port}");

    /// <param name="config">The HOCON (the shipped <c>node.conf</c>, or a file given with --config in front of it).</param>
    /// <param name="commandLine">Keys of <c>enigma.node</c> given on the command line (<c>roles</c>, <c>admin-port</c>, ...).</param>
    /// <param name="environment">Reads an environment variable (the process's by default).</param>
    public static NodeSettings Load(Config config, IReadOnlyDictionary<string, string>? commandLine = null, Func<string, string?>? environment = null) =>
        Load(EnigmaConfiguration.Over(config, environment, [.. (commandLine ?? new Dictionary<string, string>()).Select(kv => Option(kv.Key, kv.Value))]));

    /// <summary>A key of <c>enigma.node</c> given by its own option (<c>--roles</c>).</summary>
    public static CommandLineSetting Option(string key, string value) => new("enigma.node." + key, value, "--" + key);

    public static NodeSettings Load(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.node");
        string Text(string key) => section.Text(key);

        IReadOnlySet<string> roles;
        try
        {
            roles = NodeRoles.Parse(Text("roles"));
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"enigma.node.roles: {e.Message} (from {section.Source("roles")})", e);
        }

        var seeds = Text("seeds").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var seed in seeds)
        {
            if (!Uri.TryCreate(seed, UriKind.Absolute, out var uri) || uri.Scheme != "akka.tcp" || uri.UserInfo != "enigma" || uri.Port <= 0)
            {
                throw new ConfigurationException($"enigma.node.seeds: '{seed}' is not a seed address; write akka.tcp://enigma@HOST:PORT (from {section.Source("seeds")}).");
            }
        }

        var journalText = Text("journal");
        if (journalText.Length == 0)
        {
            throw new ConfigurationException("enigma.node.journal is not set: give --journal (a PostgreSQL or SQL Server connection string, or an SQLite file) or ENIGMA_NODE_JOURNAL.");
        }

        var provider = Text("journal-provider");
        var journal = JournalSource.Parse(journalText, provider.Length == 0 ? null : provider, mustExist: false);

        Uri? exchange = null;
        if (Text("exchange") is { Length: > 0 } address && (!Uri.TryCreate(address, UriKind.Absolute, out exchange) || exchange.Scheme is not ("http" or "https")))
        {
            throw section.Error("exchange", $" = '{address}' is not an http(s) address");
        }

        var symbols = Text("symbols").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (symbols.Length == 0)
        {
            throw section.Error("symbols", " is empty: name at least one contract (XBTUSDTM,ETHUSDTM)");
        }

        var hostname = Text("hostname");
        if (hostname.Length == 0)
        {
            throw section.Error("hostname", " is empty: give the address to bind (127.0.0.1, or 0.0.0.0 in a container)");
        }

        var adminBind = Text("admin-bind");
        if (!System.Net.IPAddress.TryParse(adminBind, out _))
        {
            throw section.Error("admin-bind", $" = '{adminBind}' is not an IP address (127.0.0.1 keeps the admin API on this machine)");
        }

        var publicHostname = Text("public-hostname");
        return new NodeSettings
        {
            Hostname = hostname,
            PublicHostname = publicHostname.Length > 0 ? publicHostname : hostname,
            Port = section.WholeNumber("port", 0, 65535),
            Roles = roles,
            Seeds = seeds,
            MinMembers = section.WholeNumber("min-members", 1, 100),
            Journal = journal,
            Exchange = exchange,
            Symbols = symbols,
            DataDirectory = Text("data-dir") is { Length: > 0 } dir ? dir : "enigma-node",
            AdminBind = adminBind,
            AdminPort = section.WholeNumber("admin-port", 0, 65535),
            AdminToken = Text("admin-token") is { Length: > 0 } token ? token : null,
        };
    }

    /// <summary>The node's Akka configuration: <c>hocon/cluster.conf</c>, its address, seeds, roles and the journal.</summary>
    public Config ToClusterConfig() => DerivedAkkaSettings().WithFallback(EnigmaConfig.Shipped("cluster.conf")).WithFallback(Journal.ToNodeConfig());

    /// <summary>The Akka keys a node takes from <c>enigma.node</c> (an operator sets those, not these).</summary>
    public static IReadOnlyList<(string Akka, string Node)> DerivedKeys { get; } =
    [
        ("akka.remote.dot-netty.tcp.hostname", "enigma.node.hostname"),
        ("akka.remote.dot-netty.tcp.public-hostname", "enigma.node.public-hostname"),
        ("akka.remote.dot-netty.tcp.port", "enigma.node.port"),
        ("akka.cluster.seed-nodes", "enigma.node.seeds"),
        ("akka.cluster.roles", "enigma.node.roles"),
        ("akka.cluster.min-nr-of-members", "enigma.node.min-members"),
        ("akka.persistence.journal.sql.connection-string", "enigma.node.journal"),
        ("akka.persistence.journal.sql.provider-name", "enigma.node.journal-provider"),
        ("akka.persistence.snapshot-store.sql.connection-string", "enigma.node.journal"),
        ("akka.persistence.snapshot-store.sql.provider-name", "enigma.node.journal-provider"),
        ("akka.persistence.query.journal.sql.connection-string", "enigma.node.journal"),
        ("akka.persistence.query.journal.sql.provider-name", "enigma.node.journal-provider"),
    ];

    /// <summary>Address, seeds, roles and the first members' quorum, as Akka keys.</summary>
    public Config DerivedAkkaSettings()
    {
        return ConfigurationFactory.ParseString(string.Join('\n',
            $"akka.remote.dot-netty.tcp.hostname = {EnigmaConfig.HoconString(Hostname)}",
            $"akka.remote.dot-netty.tcp.public-hostname = {EnigmaConfig.HoconString(PublicHostname)}",
            string.Create(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.port = {Port}"),
            $"akka.cluster.seed-nodes = [{string.Join(", ", Seeds.Select(EnigmaConfig.HoconString))}]",
            $"akka.cluster.roles = [{string.Join(", ", Roles.Order(StringComparer.Ordinal).Select(EnigmaConfig.HoconString))}]",
            string.Create(CultureInfo.InvariantCulture, $"akka.cluster.min-nr-of-members = {MinMembers}")));
    }

    /// <summary>For the log, in <paramref name="mode"/>: a cluster node says where it is; paper and live what they trade.</summary>
    public string Describe(string mode) => mode == "node"
        ? ToString()
        : string.Create(CultureInfo.InvariantCulture, $"symbols {string.Join(",", Symbols)} data in {Path.GetFullPath(DataDirectory)} admin {(AdminPort == 0 ? "off" : $"http://{AdminBind}:{AdminPort}")}");

    /// <summary>For the log: everything but the token, and the journal without its password.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Address} roles [{string.Join(", ", Roles.Order(StringComparer.Ordinal))}] seeds [{string.Join(", ", Seeds)}] journal {Journal.Describe()} exchange {Exchange?.ToString() ?? "KuCoin Futures"} symbols {string.Join(",", Symbols)} admin {(AdminPort == 0 ? "off" : $"http://{AdminBind}:{AdminPort}")}");
}
