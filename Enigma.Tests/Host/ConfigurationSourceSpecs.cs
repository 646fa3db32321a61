using Akka.Configuration;
using Enigma.Actors.Hosting;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary>
/// One configuration path for every mode: shipped HOCON ← <c>--config</c> file ← environment ← command line, the same
/// for every key, validated once at start, an error naming the key, its source and the allowed range.
/// </summary>
public sealed class ConfigurationSourceSpecs
{
    [Fact]
    public void A_node_must_refuse_a_risk_limit_out_of_range_in_its_config_file_naming_the_key_and_the_file()
    {
        using var folder = TestFiles.TemporaryFolder();
        var file = Path.Combine(folder.Path, "tight.conf");
        File.WriteAllText(file, "enigma.risk.max-position-percent = 9999\n");
        var secrets = Path.Combine(folder.Path, "kucoin.env");
        File.WriteAllText(secrets, "ENIGMA_KUCOIN_API_KEY=key\nENIGMA_KUCOIN_API_SECRET=secret\nENIGMA_KUCOIN_API_PASSPHRASE=passphrase\n");

        // Nothing listens on port 9 of loopback: a node that did not check the file would fail later, at the exchange.
        var (code, stdout, stderr) = Cli.Run("node", "--config", file, "--secrets-file", secrets, "--journal", Path.Combine(folder.Path, "journal.db"),
            "--exchange", "http://127.0.0.1:9", "--admin-port", "0", "--port", "0", "--data-dir", folder.Path);

        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains("enigma.risk.max-position-percent = 9999", stderr, StringComparison.Ordinal);
        Assert.Contains("out of range [0.1, 100]", stderr, StringComparison.Ordinal);
        Assert.Contains(file, stderr, StringComparison.Ordinal);
    }

    private static EnigmaConfiguration Load(string? file = null, Dictionary<string, string>? environment = null, params CommandLineSetting[] commandLine) =>
        EnigmaConfiguration.Load(new ConfigurationInputs
        {
            File = file,
            Environment = name => environment?.GetValueOrDefault(name),
            EnvironmentNames = environment is null ? [] : [.. environment.Keys],
            CommandLine = commandLine,
            ModeDefaults = ConfigurationFactory.ParseString("enigma.node.journal = \"journal.db\""),
        });

    [Fact]
    public void A_risk_limit_in_the_config_file_must_be_the_one_the_risk_gate_gets()
    {
        using var folder = TestFiles.TemporaryFolder();
        var file = Path.Combine(folder.Path, "risk.conf");
        File.WriteAllText(file, "enigma.risk.max-position-percent = 7\nakka.cluster.split-brain-resolver.stable-after = 9s\n");

        var configuration = Load(file);
        Assert.Equal(7m, EnigmaSettings.Load(configuration).Risk.MaxPositionPercent);
        Assert.Equal("9s", configuration.Config.GetString("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal($"--config {file}", configuration.SourceOf("enigma.risk.max-position-percent"));
        Assert.Equal("hocon/enigma.conf (shipped)", configuration.SourceOf("enigma.risk.max-open-positions"));
    }

    [Fact]
    public void A_risk_limit_in_the_environment_must_be_the_one_the_risk_gate_gets_by_its_name_or_by_its_path()
    {
        var named = Load(environment: new() { ["ENIGMA_MAX_POSITION_PERCENT"] = "6" });
        Assert.Equal(6m, EnigmaSettings.Load(named).Risk.MaxPositionPercent);
        Assert.Equal("environment ENIGMA_MAX_POSITION_PERCENT", named.SourceOf("enigma.risk.max-position-percent"));

        var byPath = Load(environment: new() { ["ENIGMA__ENIGMA__RISK__MAX_POSITION_PERCENT"] = "4", ["ENIGMA__AKKA__CLUSTER__SPLIT_BRAIN_RESOLVER__STABLE_AFTER"] = "8s", ["ENIGMA__ENIGMA__SIGNAL__RSI_PERIOD"] = "21" });
        var settings = EnigmaSettings.Load(byPath);
        Assert.Equal(4m, settings.Risk.MaxPositionPercent);
        Assert.Equal(21, settings.Signal.RsiPeriod);
        Assert.Equal("8s", byPath.Config.GetString("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal("environment ENIGMA__AKKA__CLUSTER__SPLIT_BRAIN_RESOLVER__STABLE_AFTER", byPath.SourceOf("akka.cluster.split-brain-resolver.stable-after"));
    }

    [Fact]
    public void A_risk_limit_on_the_command_line_must_win_over_the_environment_and_the_file()
    {
        using var folder = TestFiles.TemporaryFolder();
        var file = Path.Combine(folder.Path, "risk.conf");
        File.WriteAllText(file, "enigma.risk.max-position-percent = 7\n");

        var configuration = Load(file, new() { ["ENIGMA_MAX_POSITION_PERCENT"] = "6" }, CommandLineSetting.Parse("enigma.risk.max-position-percent=3"), CommandLineSetting.Parse("akka.cluster.split-brain-resolver.stable-after = 6s"));
        Assert.Equal(3m, EnigmaSettings.Load(configuration).Risk.MaxPositionPercent);
        Assert.Equal("6s", configuration.Config.GetString("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal("command line --set enigma.risk.max-position-percent", configuration.SourceOf("enigma.risk.max-position-percent"));

        Assert.Equal(6m, EnigmaSettings.Load(Load(file, new() { ["ENIGMA_MAX_POSITION_PERCENT"] = "6" })).Risk.MaxPositionPercent);
    }

    [Theory]
    [InlineData("ENIGMA_MAX_POSITION_PERCENT", "9999", "enigma.risk.max-position-percent = 9999 is out of range [0.1, 100] (from environment ENIGMA_MAX_POSITION_PERCENT)")]
    [InlineData("ENIGMA_NODE_PORT", "70000", "enigma.node.port = '70000' must be a whole number in [0, 65535] (from environment ENIGMA_NODE_PORT)")]
    [InlineData("ENIGMA_EXECUTION_ENTRY_TIMEOUT", "5s", "enigma.execution.entry-timeout = 00:00:05 is out of range [00:01:00, 7.00:00:00] (from environment ENIGMA_EXECUTION_ENTRY_TIMEOUT)")]
    [InlineData("ENIGMA__AKKA__CLUSTER__ROLES", "[risk]", "akka.cluster.roles is set by environment ENIGMA__AKKA__CLUSTER__ROLES, but this node derives it from enigma.node.roles: set that instead.")]
    public void A_bad_value_must_be_refused_naming_its_key_its_source_and_what_is_allowed(string variable, string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => EnigmaSettings.Load(Load(environment: new() { [variable] = value })));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("enigma.risk.max-position-percent")]
    [InlineData("=5")]
    [InlineData("enigma risk=5")]
    public void A_set_that_is_not_key_equals_value_must_be_refused(string assignment)
    {
        var error = Assert.Throws<ConfigurationException>(() => CommandLineSetting.Parse(assignment));
        Assert.Contains($"--set '{assignment}' is not KEY=VALUE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_node_must_say_what_it_runs_with_and_never_show_a_secret()
    {
        var configuration = Load(environment: new() { ["ENIGMA_NODE_ADMIN_TOKEN"] = "hunter2", ["ENIGMA_NOTIFY_WEBHOOK_URL"] = "https://hooks.example.com/secret-path" });
        var entries = configuration.Describe(configuration.Config, []);
        Assert.Contains(entries, e => e.Key == "enigma.risk.max-position-percent" && e.Value == "10" && e.Source == "hocon/enigma.conf (shipped)");
        Assert.Contains(entries, e => e.Key == "enigma.node.admin-token" && e.Value == "(hidden)" && e.Source == "environment ENIGMA_NODE_ADMIN_TOKEN");
        Assert.DoesNotContain(entries, e => (e.Value ?? "").Contains("hunter2", StringComparison.Ordinal) || (e.Value ?? "").Contains("secret-path", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("paper", "roles", "signal,risk")]
    [InlineData("live", "seeds", "akka.tcp://enigma@10.0.0.1:4053")]
    [InlineData("paper", "journal", "Host=db;Database=enigma")]
    public void A_single_process_must_refuse_the_settings_of_a_cluster_node_naming_where_they_came_from(string mode, string key, string value)
    {
        var set = CommandLineSetting.Parse($"enigma.node.{key}={value}");
        var error = Assert.Throws<ConfigurationException>(() => Enigma.Cluster.Host.Commands.NodeModes.LoadSettings(mode, "enigma-data", null, [set], singleProcess: true));
        Assert.Equal($"enigma.node.{key} is set by command line --set enigma.node.{key}, but {mode} runs every agent on one node of its own, its journal in its data folder: unset it, or run enigma node.", error.Message);
    }

    [Fact]
    public void A_section_asked_for_must_be_shown_key_by_key_with_its_secrets_hidden()
    {
        var configuration = Load(environment: new() { ["ENIGMA_NODE_ADMIN_TOKEN"] = "hunter2", ["ENIGMA_NOTIFY_TELEGRAM_BOT_TOKEN"] = "123:secret", ["ENIGMA_NOTIFY_TELEGRAM_CHAT_ID"] = "-1" });
        var entries = configuration.Describe(configuration.Config, ["enigma.node", "enigma.notify"]);
        Assert.Contains(entries, e => e.Key == "enigma.node.admin-token" && e.Value == "(hidden)");
        Assert.Contains(entries, e => e.Key == "enigma.node.roles" && e.Value == "all");
        Assert.DoesNotContain(entries, e => (e.Value ?? "").Contains("hunter2", StringComparison.Ordinal) || (e.Value ?? "").Contains("secret", StringComparison.Ordinal));
    }
}
