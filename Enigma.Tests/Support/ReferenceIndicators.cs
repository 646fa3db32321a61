namespace Enigma.Tests.Support;

/// <summary>
/// The batch oracle: each indicator computed over whole arrays the plainest way, with every window summed, scanned
/// or deviated from scratch (no running state to drift), TA-Lib's seeding and this project's documented flat-window
/// values. The streaming indicators must agree with it on every real data set. NaN marks warm-up.
/// </summary>
internal static class ReferenceIndicators
{
    public static double[] Sma(double[] x, int n, int from = 0)
    {
        var result = Blank(x.Length);
        for (var i = from + n - 1; i < x.Length; i++)
        {
            var sum = 0.0;
            for (var j = i - n + 1; j <= i; j++)
            {
                sum += x[j];
            }

            result[i] = sum / n;
        }

        return result;
    }

    /// <summary>EMA seeded with the mean of x[from .. from + n - 1].</summary>
    public static double[] Ema(double[] x, int n, int from = 0)
    {
        var result = Blank(x.Length);
        if (x.Length < from + n)
        {
            return result;
        }

        var k = 2.0 / (n + 1);
        var seed = 0.0;
        for (var j = from; j < from + n; j++)
        {
            seed += x[j];
        }

        var value = seed / n;
        result[from + n - 1] = value;
        for (var i = from + n; i < x.Length; i++)
        {
            value = ((x[i] - value) * k) + value;
            result[i] = value;
        }

        return result;
    }

    public static double[] Rsi(double[] close, int n)
    {
        var result = Blank(close.Length);
        if (close.Length <= n)
        {
            return result;
        }

        double gain = 0, loss = 0;
        for (var i = 1; i <= n; i++)
        {
            var change = close[i] - close[i - 1];
            if (change < 0)
            {
                loss -= change;
            }
            else
            {
                gain += change;
            }
        }

        gain /= n;
        loss /= n;
        result[n] = RsiOf(gain, loss);
        for (var i = n + 1; i < close.Length; i++)
        {
            var change = close[i] - close[i - 1];
            gain = ((gain * (n - 1)) + Math.Max(change, 0)) / n;
            loss = ((loss * (n - 1)) + Math.Max(-change, 0)) / n;
            result[i] = RsiOf(gain, loss);
        }

        return result;
    }

    public static (double[] Macd, double[] Signal, double[] Histogram) Macd(double[] close, int fast, int slow, int signal)
    {
        var slowEma = Ema(close, slow);
        var fastEma = Ema(close, fast, from: slow - fast);
        var line = Blank(close.Length);
        for (var i = slow - 1; i < close.Length; i++)
        {
            line[i] = fastEma[i] - slowEma[i];
        }

        var signalLine = Ema(line, signal, from: slow - 1);
        var macd = Blank(close.Length);
        var histogram = Blank(close.Length);
        for (var i = 0; i < close.Length; i++)
        {
            if (!double.IsNaN(signalLine[i]))
            {
                macd[i] = line[i];
                histogram[i] = line[i] - signalLine[i];
            }
        }

        return (macd, signalLine, histogram);
    }

    public static double[] WilliamsR(double[] high, double[] low, double[] close, int n)
    {
        var result = Blank(close.Length);
        for (var i = n - 1; i < close.Length; i++)
        {
            var (hh, ll) = Extremes(high, low, i, n);
            result[i] = hh == ll ? -50.0 : -100.0 * (hh - close[i]) / (hh - ll);
        }

        return result;
    }

    public static double[] AwesomeOscillator(double[] high, double[] low, int fast, int slow)
    {
        var median = high.Zip(low, (h, l) => (h + l) / 2).ToArray();
        var f = Sma(median, fast);
        var s = Sma(median, slow);
        return f.Zip(s, (a, b) => double.IsNaN(b) ? double.NaN : a - b).ToArray();
    }

    public static (double[] K, double[] D) Stochastic(double[] high, double[] low, double[] close, int kPeriod, int kSmoothing, int dPeriod)
    {
        var raw = Blank(close.Length);
        for (var i = kPeriod - 1; i < close.Length; i++)
        {
            var (hh, ll) = Extremes(high, low, i, kPeriod);
            raw[i] = hh == ll ? 50.0 : 100.0 * (close[i] - ll) / (hh - ll);
        }

        var k = Sma(raw, kSmoothing, from: kPeriod - 1);
        var d = Sma(k, dPeriod, from: kPeriod + kSmoothing - 2);
        for (var i = 0; i < close.Length; i++)
        {
            if (double.IsNaN(d[i]))
            {
                k[i] = double.NaN;
            }
        }

        return (k, d);
    }

    public static (double[] Upper, double[] Middle, double[] Lower) Bollinger(double[] close, int n, double deviations)
    {
        var upper = Blank(close.Length);
        var middle = Blank(close.Length);
        var lower = Blank(close.Length);
        for (var i = n - 1; i < close.Length; i++)
        {
            var mean = 0.0;
            for (var j = i - n + 1; j <= i; j++)
            {
                mean += close[j];
            }

            mean /= n;
            var squares = 0.0;
            for (var j = i - n + 1; j <= i; j++)
            {
                squares += (close[j] - mean) * (close[j] - mean);
            }

            var width = deviations * Math.Sqrt(squares / n);
            upper[i] = mean + width;
            middle[i] = mean;
            lower[i] = mean - width;
        }

        return (upper, middle, lower);
    }

    public static double[] Obv(double[] close, double[] volume)
    {
        var result = new double[close.Length];
        for (var i = 0; i < close.Length; i++)
        {
            result[i] = i == 0 ? volume[0]
                : close[i] > close[i - 1] ? result[i - 1] + volume[i]
                : close[i] < close[i - 1] ? result[i - 1] - volume[i]
                : result[i - 1];
        }

        return result;
    }

    public static (double[] K, double[] D, double[] J) Kdj(double[] high, double[] low, double[] close, int n, int m1, int m2)
    {
        var k = Blank(close.Length);
        var d = Blank(close.Length);
        var j = Blank(close.Length);
        double kPrev = 50, dPrev = 50;
        for (var i = n - 1; i < close.Length; i++)
        {
            var (hh, ll) = Extremes(high, low, i, n);
            var rsv = hh == ll ? 50.0 : (close[i] - ll) / (hh - ll) * 100.0;
            kPrev = ((m1 - 1.0) / m1 * kPrev) + (1.0 / m1 * rsv);
            dPrev = ((m2 - 1.0) / m2 * dPrev) + (1.0 / m2 * kPrev);
            k[i] = kPrev;
            d[i] = dPrev;
            j[i] = (3 * kPrev) - (2 * dPrev);
        }

        return (k, d, j);
    }

    private static (double Highest, double Lowest) Extremes(double[] high, double[] low, int end, int n)
    {
        double hh = double.MinValue, ll = double.MaxValue;
        for (var j = end - n + 1; j <= end; j++)
        {
            hh = Math.Max(hh, high[j]);
            ll = Math.Min(ll, low[j]);
        }

        return (hh, ll);
    }

    private static double RsiOf(double gain, double loss) => gain + loss == 0 ? 50.0 : 100.0 * (gain / (gain + loss));

    private static double[] Blank(int length)
    {
        var result = new double[length];
        Array.Fill(result, double.NaN);
        return result;
    }
}
