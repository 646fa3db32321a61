namespace Enigma.Domain.Indicators;

public readonly record struct MacdValue(double Macd, double Signal, double Histogram);

public readonly record struct StochasticValue(double K, double D);

public readonly record struct BollingerValue(double Upper, double Middle, double Lower);

public readonly record struct KdjValue(double K, double D, double J);
