using Akka.Configuration;
using Enigma.Actors.Hosting;

namespace Enigma.Tests.Host;

/// <summary><c>enigma node</c>'s settings: hocon/node.conf, then ENIGMA_NODE_*, then the command line; each checked.</summary>
public sealed class NodeSettingsSpecs
{
    private static readonly Config Shipped = EnigmaConfig.Shipped("node.conf");

    private static NodeSettings Load(Dictionary<string, string>? commandLine = null, Dictionary<string, string>? environment = null) =>
        NodeSettings.Load(Shipped, commandLine ?? [], name => environment is not null && environment.TryGetValue(name, out var v) ? v : null);

    [Fact]
    public void Node_settings_must_take_the_command_line_over_the_environment_over_the_file()
    {
        var settings = Load(
            new() { ["roles"] = "signal,risk", ["journal"] = "Host=db;Database=enigma;Password=hunter2" },
            new() { ["ENIGMA_NODE_ROLES"] = "execution", ["ENIGMA_NODE_PORT"] = "4100", ["ENIGMA_NODE_SEEDS"] = "akka.tcp://enigma@a:4053, akka.tcp://enigma@b:4053", ["ENIGMA_NODE_ADMIN_TOKEN"] = "s3cret" });

        Assert.Equal(["risk", "signal"], settings.Roles.Order(StringComparer.Ordinal));
        Assert.Equal(4100, settings.Port);
        Assert.Equal(["akka.tcp://enigma@a:4053", "akka.tcp://enigma@b:4053"], settings.Seeds);
        Assert.Equal(EnigmaConfig.PostgresProvider, settings.Journal.Provider);
        Assert.Equal(9110, settings.AdminPort);
        Assert.Equal("s3cret", settings.AdminToken);

        // What the node prints at start never shows the token or the journal's password.
        Assert.DoesNotContain("s3cret", settings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Node_settings_must_carry_address_seeds_roles_and_margins_into_the_cluster_config()
    {
        var settings = Load(new() { ["journal"] = "Host=db;Database=enigma", ["public-hostname"] = "enigma-2", ["hostname"] = "0.0.0.0", ["port"] = "4053", ["roles"] = "execution", ["min-members"] = "3" });
        var config = settings.ToClusterConfig();

        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("enigma-2", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(3, config.GetInt("akka.cluster.min-nr-of-members"));
        Assert.Equal(["execution"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("akka.tcp://enigma@enigma-2:4053", settings.Address);
    }

    [Theory]
    [InlineData("roles", "execution,trader", "enigma.node.roles: unknown role(s) 'trader'")]
    [InlineData("seeds", "enigma-1:4053", "enigma.node.seeds: 'enigma-1:4053' is not a seed address")]
    [InlineData("port", "70000", "enigma.node.port = '70000' must be a whole number in [0, 65535]")]
    [InlineData("exchange", "ftp://simulator", "enigma.node.exchange = 'ftp://simulator' is not an http(s) address")]
    [InlineData("admin-bind", "localhost", "enigma.node.admin-bind = 'localhost' is not an IP address")]
    [InlineData("symbols", " , ", "enigma.node.symbols is empty")]
    public void Node_settings_must_name_the_key_that_is_wrong(string key, string value, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { ["journal"] = "Host=db;Database=enigma", [key] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_settings_must_ask_for_a_journal()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load());
        Assert.Contains("enigma.node.journal is not set", error.Message, StringComparison.Ordinal);
    }
}
