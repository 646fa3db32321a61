using System.Globalization;
using Akka.Configuration;
using Enigma.Domain.Risk;

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
        risk = WithEnvironment(risk, environment ?? Environment.GetEnvironmentVariable);
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

    /// <summary>ENIGMA_MAX_DAILY_DRAWDOWN_PERCENT overrides max-daily-drawdown-percent, and so on for every key.</summary>
    private static Config WithEnvironment(Config section, Func<string, string?> environment)
    {
        var overrides = new List<string>();
        foreach (var (key, _) in section.AsEnumerable())
        {
            var variable = "ENIGMA_" + key.Replace('-', '_').ToUpperInvariant();
            if (environment(variable) is { Length: > 0 } value)
            {
                overrides.Add($"{key} = \"{value.Replace("\"", "", StringComparison.Ordinal)}\"");
            }
        }

        return overrides.Count == 0 ? section : ConfigurationFactory.ParseString(string.Join('\n', overrides)).WithFallback(section);
    }

    private static decimal Decimal(Config section, string key, decimal min, decimal max)
    {
        var text = section.HasPath(key) ? section.GetString(key) : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ConfigurationException($"enigma.risk.{key} is missing.");
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new ConfigurationException($"enigma.risk.{key} = '{text}' is not a number.");
        }

        return value >= min && value <= max
            ? value
            : throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"enigma.risk.{key} = {value} is out of range [{min}, {max}]."));
    }
}
