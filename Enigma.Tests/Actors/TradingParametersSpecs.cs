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
}
