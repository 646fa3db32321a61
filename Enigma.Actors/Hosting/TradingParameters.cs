using System.Globalization;
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
    public static RiskParameters Risk(Config config, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var risk = config.GetConfig("enigma.risk") ?? throw new ConfigurationException("enigma.risk is missing from the configuration.");
        risk = WithEnvironment(risk, "ENIGMA_", environment ?? Environment.GetEnvironmentVariable);
        var parameters = new RiskParameters
        {
            MaxPositionPercent = Decimal(risk, "max-position-percent", 0.1m, 100m),
            MaxTotalExposurePercent = Decimal(risk, "max-total-exposure-percent", 0.1m, 100m),
            MaxOpenPositions = (int)Decimal(risk, "max-open-positions", 1, 1000),
            MaxDailyDrawdownPercent = Decimal(risk, "max-daily-drawdown-percent", 0.1m, 100m),
            MaxConsecutiveLosses = (int)Decimal(risk, "max-consecutive-losses", 1, 1000),
            BaseRiskPercent = Decimal(risk, "base-risk-percent", 0.01m, 10m),
            MaxRiskPercent = Decimal(risk, "max-risk-percent", 0.01m, 20m),
            DefaultLeverage = Decimal(risk, "default-leverage", 1m, 125m),
            StopLossRoi = Decimal(risk, "stop-loss-roi", 0.1m, 100m),
            TakeProfitRoi = Decimal(risk, "take-profit-roi", 0.1m, 1000m),
            TrailActivationRoi = Decimal(risk, "trail-activation-roi", 0.1m, 1000m),
            TrailStepRoi = Decimal(risk, "trail-step-roi", 0.1m, 100m),
            TrailDistanceRoi = Decimal(risk, "trail-distance-roi", 0.1m, 100m),
        };
        if (parameters.MaxPositionPercent > parameters.MaxTotalExposurePercent)
        {
            throw new ConfigurationException($"enigma.risk.max-position-percent ({parameters.MaxPositionPercent}) cannot exceed max-total-exposure-percent ({parameters.MaxTotalExposurePercent}).");
        }

        if (parameters.BaseRiskPercent > parameters.MaxRiskPercent * 100)
        {
            throw new ConfigurationException($"enigma.risk.base-risk-percent ({parameters.BaseRiskPercent}) is meant at 100x and must not exceed 100 × max-risk-percent.");
        }

        return parameters;
    }

    /// <summary>enigma.signal: the Signal agent's parameters under the seed's names (ENIGMA_SIGNAL_RSI_PERIOD, ...).</summary>
    public static SignalParameters Signal(Config config, Func<string, string?>? environment = null)
    {
        var section = Section(config, "enigma.signal", "ENIGMA_SIGNAL_", environment);
        var parameters = SignalParameters.Default;
        foreach (var (key, _) in section.AsEnumerable())
        {
            try
            {
                parameters = parameters.With(key, section.GetString(key));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"enigma.signal.{key}: {e.Message}", e);
            }
        }

        return parameters;
    }

    /// <summary>enigma.audit: the invariant cycle, the WebSocket and heartbeat limits (ENIGMA_AUDIT_TICK_INTERVAL, ...).</summary>
    public static AuditSettings Audit(Config config, string? directory, Func<string, string?>? environment = null)
    {
        var audit = Section(config, "enigma.audit", "ENIGMA_AUDIT_", environment);
        return new AuditSettings
        {
            TickInterval = Duration(audit, "enigma.audit", "tick-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            WebSocketDownLimit = Duration(audit, "enigma.audit", "websocket-down-limit", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            HeartbeatTimeout = Duration(audit, "enigma.audit", "heartbeat-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            Directory = directory,
        };
    }

    /// <summary>enigma.optimizer: the Optimizer agent's worker slots, job lease, batch idle limit, and the deployed parameters watched (ENIGMA_OPTIMIZER_WORKER_SLOTS, ENIGMA_OPTIMIZER_MODEL_WEIGHTS, ...).</summary>
    public static Optimization.OptimizerSettings Optimizer(Config config, Func<string, string?>? environment = null)
    {
        var section = Section(config, "enigma.optimizer", "ENIGMA_OPTIMIZER_", environment);
        return new Optimization.OptimizerSettings
        {
            WorkerSlots = (int)Decimal(section, "enigma.optimizer", "worker-slots", 0, 256),
            JobLease = Duration(section, "enigma.optimizer", "job-lease", TimeSpan.FromSeconds(5), TimeSpan.FromDays(1)),
            BatchIdleLimit = Duration(section, "enigma.optimizer", "batch-idle-limit", TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
            ModelWeights = section.HasPath("model-weights") && section.GetString("model-weights") is { Length: > 0 } path ? path : null,
            DeployPollInterval = Duration(section, "enigma.optimizer", "deploy-poll-interval", TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)),
            Schedule = section.GetString("schedule") is "off" or "" ? null : Duration(section, "enigma.optimizer", "schedule", TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            ScheduleArguments = section.GetString("schedule-arguments").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    /// <summary>enigma.orchestrator: health checks and MAX_CONCURRENT_TASKS (ENIGMA_ORCHESTRATOR_HEALTH_INTERVAL, ...).</summary>
    public static OrchestratorSettings Orchestrator(Config config, Func<string, string?>? environment = null)
    {
        var section = Section(config, "enigma.orchestrator", "ENIGMA_ORCHESTRATOR_", environment);
        return new OrchestratorSettings
        {
            HealthInterval = Duration(section, "enigma.orchestrator", "health-interval", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            MaxConcurrentTasks = (int)Decimal(section, "enigma.orchestrator", "max-concurrent-tasks", 1, 1000),
        };
    }

    /// <summary>
    /// enigma.notify: the webhook and Telegram (ENIGMA_NOTIFY_WEBHOOK_URL, ENIGMA_NOTIFY_TELEGRAM_BOT_TOKEN,
    /// ENIGMA_NOTIFY_TELEGRAM_CHAT_ID). A token belongs in the environment, not in a file.
    /// </summary>
    public static NotificationSettings Notifications(Config config, string node, Func<string, string?>? environment = null)
    {
        var section = Section(config, "enigma.notify", "ENIGMA_NOTIFY_", environment);
        string? Text(string key) => section.HasPath(key) && section.GetString(key) is { Length: > 0 } v ? v : null;
        Uri? Url(string key)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw new ConfigurationException($"enigma.notify.{key} is not an http(s) URL (the value is not shown: it may hold a secret).");
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

    private static Config Section(Config config, string path, string prefix, Func<string, string?>? environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig(path) ?? throw new ConfigurationException($"{path} is missing from the configuration.");
        return WithEnvironment(section, prefix, environment ?? Environment.GetEnvironmentVariable);
    }

    private static TimeSpan Duration(Config section, string path, string key, TimeSpan min, TimeSpan max)
    {
        TimeSpan value;
        try
        {
            value = section.GetTimeSpan(key, null, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"{path}.{key} = '{(section.HasPath(key) ? section.GetString(key) : "")}' is not a duration (use 500ms, 30s, 2m).", e);
        }

        return value >= min && value <= max
            ? value
            : throw new ConfigurationException($"{path}.{key} = {value} is out of range [{min}, {max}].");
    }

    /// <summary>ENIGMA_MAX_DAILY_DRAWDOWN_PERCENT overrides max-daily-drawdown-percent, and so on for every key.</summary>
    internal static Config WithEnvironment(Config section, string prefix, Func<string, string?> environment)
    {
        var overrides = new List<string>();
        foreach (var (key, _) in section.AsEnumerable())
        {
            var variable = prefix + key.Replace('-', '_').ToUpperInvariant();
            if (environment(variable) is { Length: > 0 } value)
            {
                overrides.Add($"{key} = \"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
            }
        }

        return overrides.Count == 0 ? section : ConfigurationFactory.ParseString(string.Join('\n', overrides)).WithFallback(section);
    }

    private static decimal Decimal(Config section, string key, decimal min, decimal max) => Decimal(section, "enigma.risk", key, min, max);

    private static decimal Decimal(Config section, string path, string key, decimal min, decimal max)
    {
        var text = section.HasPath(key) ? section.GetString(key) : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ConfigurationException($"{path}.{key} is missing.");
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new ConfigurationException($"{path}.{key} = '{text}' is not a number.");
        }

        return value >= min && value <= max
            ? value
            : throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{path}.{key} = {value} is out of range [{min}, {max}]."));
    }
}
