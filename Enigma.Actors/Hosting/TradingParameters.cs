using Akka.Configuration;
using Enigma.Actors.Audit;
using Enigma.Actors.Notifications;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Actors.Hosting;

/// <summary>
/// The seed's trading parameters from <c>hocon/enigma.conf</c> (environment variables override each one), checked
/// at start: a missing, unreadable or out-of-range value is an error naming its key, its value and the range.
/// </summary>
public static class TradingParameters
{
    /// <param name="environment">Reads an environment variable (the process's by default; tests pass their own).</param>
    public static RiskParameters Risk(Config config, Func<string, string?>? environment = null) => Risk(EnigmaConfiguration.Over(config, environment));

    public static RiskParameters Risk(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var risk = configuration.Section("enigma.risk");
        var parameters = new RiskParameters
        {
            MaxPositionPercent = risk.Number("max-position-percent", 0.1m, 100m),
            MaxTotalExposurePercent = risk.Number("max-total-exposure-percent", 0.1m, 100m),
            MaxOpenPositions = (int)risk.Number("max-open-positions", 1, 1000),
            MaxDailyDrawdownPercent = risk.Number("max-daily-drawdown-percent", 0.1m, 100m),
            MaxConsecutiveLosses = (int)risk.Number("max-consecutive-losses", 1, 1000),
            BaseRiskPercent = risk.Number("base-risk-percent", 0.01m, 10m),
            MaxRiskPercent = risk.Number("max-risk-percent", 0.01m, 20m),
            DefaultLeverage = risk.Number("default-leverage", 1m, 125m),
            StopLossRoi = risk.Number("stop-loss-roi", 0.1m, 100m),
            TakeProfitRoi = risk.Number("take-profit-roi", 0.1m, 1000m),
            TrailActivationRoi = risk.Number("trail-activation-roi", 0.1m, 1000m),
            TrailStepRoi = risk.Number("trail-step-roi", 0.1m, 100m),
            TrailDistanceRoi = risk.Number("trail-distance-roi", 0.1m, 100m),
        };
        if (parameters.MaxPositionPercent > parameters.MaxTotalExposurePercent)
        {
            throw risk.Error("max-position-percent", $" ({parameters.MaxPositionPercent}) cannot exceed max-total-exposure-percent ({parameters.MaxTotalExposurePercent})");
        }

        if (parameters.BaseRiskPercent > parameters.MaxRiskPercent * 100)
        {
            throw risk.Error("base-risk-percent", $" ({parameters.BaseRiskPercent}) is meant at 100x and must not exceed 100 × max-risk-percent");
        }

        return parameters;
    }

    /// <summary>enigma.signal: the Signal agent's parameters under the seed's names (ENIGMA_SIGNAL_RSI_PERIOD, ...).</summary>
    public static SignalParameters Signal(Config config, Func<string, string?>? environment = null) => Signal(EnigmaConfiguration.Over(config, environment));

    public static SignalParameters Signal(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.signal");
        var parameters = SignalParameters.Default;
        foreach (var key in section.Keys)
        {
            try
            {
                parameters = parameters.With(key, section.Text(key));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"enigma.signal.{key}: {e.Message} (from {section.Source(key)})", e);
            }
        }

        return parameters;
    }

    /// <summary>enigma.audit: the invariant cycle, the WebSocket and heartbeat limits (ENIGMA_AUDIT_TICK_INTERVAL, ...).</summary>
    public static AuditSettings Audit(Config config, string? directory, Func<string, string?>? environment = null) => Audit(EnigmaConfiguration.Over(config, environment), directory);

    public static AuditSettings Audit(EnigmaConfiguration configuration, string? directory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var audit = configuration.Section("enigma.audit");
        return new AuditSettings
        {
            TickInterval = audit.Duration("tick-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            WebSocketDownLimit = audit.Duration("websocket-down-limit", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            HeartbeatTimeout = audit.Duration("heartbeat-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            Directory = directory,
        };
    }

    /// <summary>enigma.optimizer: the Optimizer agent's worker slots, job lease, batch idle limit, and the deployed parameters watched (ENIGMA_OPTIMIZER_WORKER_SLOTS, ENIGMA_OPTIMIZER_MODEL_WEIGHTS, ...).</summary>
    public static Optimization.OptimizerSettings Optimizer(Config config, Func<string, string?>? environment = null) => Optimizer(EnigmaConfiguration.Over(config, environment));

    public static Optimization.OptimizerSettings Optimizer(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.optimizer");
        return new Optimization.OptimizerSettings
        {
            WorkerSlots = (int)section.Number("worker-slots", 0, 256),
            JobLease = section.Duration("job-lease", TimeSpan.FromSeconds(5), TimeSpan.FromDays(1)),
            BatchIdleLimit = section.Duration("batch-idle-limit", TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
            ModelWeights = section.Text("model-weights") is { Length: > 0 } path ? path : null,
            DeployPollInterval = section.Duration("deploy-poll-interval", TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)),
            Schedule = section.Text("schedule") is "off" or "" ? null : section.Duration("schedule", TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            ScheduleArguments = section.Text("schedule-arguments").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    /// <summary>enigma.orchestrator: health checks and MAX_CONCURRENT_TASKS (ENIGMA_ORCHESTRATOR_HEALTH_INTERVAL, ...).</summary>
    public static OrchestratorSettings Orchestrator(Config config, Func<string, string?>? environment = null) => Orchestrator(EnigmaConfiguration.Over(config, environment));

    public static OrchestratorSettings Orchestrator(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.orchestrator");
        return new OrchestratorSettings
        {
            HealthInterval = section.Duration("health-interval", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            MaxConcurrentTasks = (int)section.Number("max-concurrent-tasks", 1, 1000),
        };
    }

    /// <summary>
    /// enigma.notify: the webhook and Telegram (ENIGMA_NOTIFY_WEBHOOK_URL, ENIGMA_NOTIFY_TELEGRAM_BOT_TOKEN,
    /// ENIGMA_NOTIFY_TELEGRAM_CHAT_ID). A token belongs in the environment, not in a file.
    /// </summary>
    public static NotificationSettings Notifications(Config config, string node, Func<string, string?>? environment = null) => Notifications(EnigmaConfiguration.Over(config, environment), node);

    public static NotificationSettings Notifications(EnigmaConfiguration configuration, string node)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.notify");
        string? Text(string key) => section.Text(key) is { Length: > 0 } v ? v : null;
        Uri? Url(string key)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw section.Error(key, " is not an http(s) URL (the value is not shown: it may hold a secret)");
        }

        var token = Text("telegram-bot-token");
        var chat = Text("telegram-chat-id");
        if ((token is null) != (chat is null))
        {
            throw new ConfigurationException("enigma.notify: telegram-bot-token and telegram-chat-id go together; give both or neither.");
        }

        return new NotificationSettings
        {
            WebhookUrl = Url("webhook-url"),
            TelegramBotToken = token,
            TelegramChatId = chat,
            TelegramApiBase = Url("telegram-api") ?? new Uri("https://api.telegram.org/"),
            Node = node,
        };
    }
}
