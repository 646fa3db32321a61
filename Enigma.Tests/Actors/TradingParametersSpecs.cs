using Akka.Configuration;
using Enigma.Actors.Hosting;
using Enigma.Domain.Risk;

namespace Enigma.Tests.Actors;

public sealed class TradingParametersSpecs
{
    [Fact]
    public void The_shipped_parameters_are_the_seeds_defaults()
    {
        var risk = TradingParameters.Risk(EnigmaConfig.Shipped("enigma.conf"));
        Assert.Equal(RiskParameters.Default, risk);
    }

    [Fact]
    public void An_environment_variable_overrides_its_parameter()
    {
        var environment = new Dictionary<string, string> { ["ENIGMA_MAX_DAILY_DRAWDOWN_PERCENT"] = "2.5", ["ENIGMA_LEVERAGE"] = "99" };
        var risk = TradingParameters.Risk(EnigmaConfig.Shipped("enigma.conf"), name => environment.GetValueOrDefault(name));
        Assert.Equal(2.5m, risk.MaxDailyDrawdownPercent);
        Assert.Equal(RiskParameters.Default with { MaxDailyDrawdownPercent = 2.5m }, risk);

        var bad = Assert.Throws<ConfigurationException>(() => TradingParameters.Risk(EnigmaConfig.Shipped("enigma.conf"), name => name == "ENIGMA_STOP_LOSS_ROI" ? "-1" : null));
        Assert.Contains("enigma.risk.stop-loss-roi = -1 is out of range", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enigma.risk.default-leverage = 500", "enigma.risk.default-leverage = 500 is out of range [1, 125]")]
    [InlineData("enigma.risk.stop-loss-roi = five", "enigma.risk.stop-loss-roi = 'five' is not a number")]
    [InlineData("enigma.risk.max-position-percent = 50", "max-position-percent (50) cannot exceed max-total-exposure-percent (30)")]
    public void A_bad_value_stops_the_start_with_an_error_naming_its_key(string hocon, string message)
    {
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(EnigmaConfig.Shipped("enigma.conf"));
        var error = Assert.Throws<ConfigurationException>(() => TradingParameters.Risk(config));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_orchestrator_and_notification_settings_come_from_the_shipped_file_and_the_environment()
    {
        var shipped = EnigmaConfig.Shipped("enigma.conf");
        var audit = TradingParameters.Audit(shipped, "/tmp/audit", name => name == "ENIGMA_AUDIT_WEBSOCKET_DOWN_LIMIT" ? "30s" : null);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), "/tmp/audit"), (audit.TickInterval, audit.WebSocketDownLimit, audit.HeartbeatTimeout, audit.Directory));
        Assert.Equal((TimeSpan.FromSeconds(30), 10), (TradingParameters.Orchestrator(shipped).HealthInterval, TradingParameters.Orchestrator(shipped).MaxConcurrentTasks));

        var off = TradingParameters.Notifications(shipped, "node-1", _ => null);
        Assert.Null(off.WebhookUrl);
        Assert.False(off.TelegramConfigured);
        var environment = new Dictionary<string, string>
        {
            ["ENIGMA_NOTIFY_WEBHOOK_URL"] = "https://hooks.example.com/T000/secret-path",
            ["ENIGMA_NOTIFY_TELEGRAM_BOT_TOKEN"] = "123:very-secret",
            ["ENIGMA_NOTIFY_TELEGRAM_CHAT_ID"] = "-100",
        };
        var on = TradingParameters.Notifications(shipped, "node-1", name => environment.GetValueOrDefault(name));
        Assert.True(on.TelegramConfigured);
        Assert.Equal("webhook hooks.example.com, telegram on (token hidden)", on.ToString());
        Assert.DoesNotContain("secret", on.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ENIGMA_AUDIT_TICK_INTERVAL", "soon", "enigma.audit.tick-interval = 'soon' is not a duration")]
    [InlineData("ENIGMA_AUDIT_WEBSOCKET_DOWN_LIMIT", "2h", "enigma.audit.websocket-down-limit = 02:00:00 is out of range")]
    [InlineData("ENIGMA_NOTIFY_TELEGRAM_BOT_TOKEN", "123:abc", "telegram-bot-token and telegram-chat-id go together")]
    [InlineData("ENIGMA_NOTIFY_WEBHOOK_URL", "ftp://hunter2@host/x", "enigma.notify.webhook-url is not an http(s) URL (the value is not shown")]
    public void A_bad_audit_or_notification_setting_is_refused_by_name_without_echoing_secrets(string variable, string value, string message)
    {
        var shipped = EnigmaConfig.Shipped("enigma.conf");
        string? Environment(string name) => name == variable ? value : null;
        var error = Assert.Throws<ConfigurationException>(() =>
        {
            TradingParameters.Audit(shipped, null, Environment);
            TradingParameters.Notifications(shipped, "n", Environment);
        });
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_signal_parameters_are_the_defaults_and_a_bad_one_is_named()
    {
        var shipped = EnigmaConfig.Shipped("enigma.conf");
        Assert.Equal(Enigma.Domain.Signals.SignalParameters.Default, TradingParameters.Signal(shipped, _ => null));
        Assert.Equal(21, TradingParameters.Signal(shipped, name => name == "ENIGMA_SIGNAL_RSI_PERIOD" ? "21" : null).RsiPeriod);
        var error = Assert.Throws<ConfigurationException>(() => TradingParameters.Signal(shipped, name => name == "ENIGMA_SIGNAL_WEIGHT_RSI" ? "heavy" : null));
        Assert.StartsWith("enigma.signal.WEIGHT_RSI: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enigma.execution.max-slippage = 2", "enigma.execution.max-slippage = '2' must be a fraction in (0, 1)")]
    [InlineData("enigma.execution.entry-timeout = soon", "enigma.execution.entry-timeout = 'soon' is not a duration")]
    [InlineData("enigma.execution.entry-timeout = 10s", "enigma.execution.entry-timeout = 00:00:10 is out of range")]
    public void A_bad_execution_setting_is_refused_by_name(string hocon, string message)
    {
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(EnigmaConfig.Shipped("persistence.conf"));
        Assert.Equal(0.005m, EnigmaConfig.ExecutionSettings(EnigmaConfig.Shipped("persistence.conf")).MaxSlippage);
        var error = Assert.Throws<ConfigurationException>(() => EnigmaConfig.ExecutionSettings(config));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SQLite_journal_durability_is_normal_by_default_overridable_and_validated_by_name()
    {
        var shipped = EnigmaConfig.Shipped("persistence.conf");
        Assert.Equal("normal", EnigmaConfig.SqliteSynchronous(shipped, _ => null));
        Assert.Equal("full", EnigmaConfig.SqliteSynchronous(shipped, name => name == "ENIGMA_JOURNAL_SQLITE_SYNCHRONOUS" ? "FULL" : null));
        var bad = Assert.Throws<ConfigurationException>(() => EnigmaConfig.SqliteSynchronous(ConfigurationFactory.ParseString("enigma.journal.sqlite-synchronous = off"), _ => null));
        Assert.Contains("enigma.journal.sqlite-synchronous = 'off' must be normal or full", bad.Message, StringComparison.Ordinal);
        var badVariable = Assert.Throws<ConfigurationException>(() => EnigmaConfig.SqliteSynchronous(shipped, _ => "sometimes"));
        Assert.Contains("ENIGMA_JOURNAL_SQLITE_SYNCHRONOUS", badVariable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_SQLite_journal_gets_the_connection_setup_that_sets_its_durability()
    {
        var sqlite = EnigmaConfig.Bootstrap(EnigmaConfig.Journal("Data Source=/tmp/never-opened.db", EnigmaConfig.SqliteProvider));
        Assert.True(sqlite.Get<Akka.Persistence.Sql.Config.DataOptionsSetup>().HasValue);
        var postgres = EnigmaConfig.Bootstrap(EnigmaConfig.Journal("Host=127.0.0.1;Database=enigma", EnigmaConfig.PostgresProvider));
        Assert.False(postgres.Get<Akka.Persistence.Sql.Config.DataOptionsSetup>().HasValue);
    }
}
