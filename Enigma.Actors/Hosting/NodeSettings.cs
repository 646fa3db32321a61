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
    public static NodeSettings Load(Config config, IReadOnlyDictionary<string, string>? commandLine = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig("enigma.node") ?? throw new ConfigurationException("enigma.node is missing from the configuration.");
        section = TradingParameters.WithEnvironment(section, "ENIGMA_NODE_", environment ?? Environment.GetEnvironmentVariable);
        string Text(string key) => commandLine is not null && commandLine.TryGetValue(key, out var given) ? given.Trim() : section.GetString(key, "").Trim();

        int Integer(string key, int min, int max)
        {
            var text = Text(key);
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"enigma.node.{key} = '{text}' must be a whole number in [{min}, {max}]."));
        }

        IReadOnlySet<string> roles;
        try
        {
            roles = NodeRoles.Parse(Text("roles"));
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException("enigma.node.roles: " + e.Message, e);
        }

        var seeds = Text("seeds").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var seed in seeds)
        {
            if (!Uri.TryCreate(seed, UriKind.Absolute, out var uri) || uri.Scheme != "akka.tcp" || uri.UserInfo != "enigma" || uri.Port <= 0)
            {
                throw new ConfigurationException($"enigma.node.seeds: '{seed}' is not a seed address; write akka.tcp://enigma@HOST:PORT.");
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
            throw new ConfigurationException($"enigma.node.exchange = '{address}' is not an http(s) address.");
        }

        var symbols = Text("symbols").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (symbols.Length == 0)
        {
            throw new ConfigurationException("enigma.node.symbols is empty: name at least one contract (XBTUSDTM,ETHUSDTM).");
        }

        var hostname = Text("hostname");
        if (hostname.Length == 0)
        {
            throw new ConfigurationException("enigma.node.hostname is empty: give the address to bind (127.0.0.1, or 0.0.0.0 in a container).");
        }

        var adminBind = Text("admin-bind");
        if (!System.Net.IPAddress.TryParse(adminBind, out _))
        {
            throw new ConfigurationException($"enigma.node.admin-bind = '{adminBind}' is not an IP address (127.0.0.1 keeps the admin API on this machine).");
        }

        var publicHostname = Text("public-hostname");
        return new NodeSettings
        {
            Hostname = hostname,
            PublicHostname = publicHostname.Length > 0 ? publicHostname : hostname,
            Port = Integer("port", 0, 65535),
            Roles = roles,
            Seeds = seeds,
            MinMembers = Integer("min-members", 1, 100),
            Journal = journal,
            Exchange = exchange,
            Symbols = symbols,
            DataDirectory = Text("data-dir") is { Length: > 0 } dir ? dir : "enigma-node",
            AdminBind = adminBind,
            AdminPort = Integer("admin-port", 0, 65535),
            AdminToken = Text("admin-token") is { Length: > 0 } token ? token : null,
        };
    }

    /// <summary>The node's Akka configuration: <c>hocon/cluster.conf</c>, its address, seeds, roles and the journal.</summary>
    public Config ToClusterConfig()
    {
        var node = EnigmaNode.ClusterNode(Journal.ToNodeConfig(), Hostname, Port, Seeds, Roles);
        var extra = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
            akka.remote.dot-netty.tcp.public-hostname = "{PublicHostname}"
            akka.cluster.min-nr-of-members = {MinMembers}
            """));
        return extra.WithFallback(node);
    }

    /// <summary>For the log: everything but the token, and the journal without its password.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Address} roles [{string.Join(", ", Roles.Order(StringComparer.Ordinal))}] seeds [{string.Join(", ", Seeds)}] journal {Journal.Describe()} exchange {Exchange?.ToString() ?? "KuCoin Futures"} symbols {string.Join(",", Symbols)} admin {(AdminPort == 0 ? "off" : $"http://{AdminBind}:{AdminPort}")}");
}
