using System.Globalization;
using System.Text;

namespace Enigma.Actors.Optimization;

/// <summary>The pieces the self-contained HTML reports share (backtest and walk-forward): numbers and inline SVG charts.</summary>
public static class ReportHtml
{
    public static string Pct(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    public static string Num(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>A line chart as inline SVG, at most 1,500 points (every n-th), with optional dots.</summary>
    public static string Chart(List<(long TimeMs, double Value)> series, string colour, List<(long TimeMs, double Value, string Colour)> marks)
    {
        const int Width = 1000, Height = 220;
        if (series.Count < 2)
        {
            return "<p class=\"note\">no data</p>";
        }

        var step = Math.Max(1, series.Count / 1_500);
        var shown = series.Where((_, i) => i % step == 0).Append(series[^1]).ToList();
        double minT = series[0].TimeMs, maxT = series[^1].TimeMs;
        var minV = Math.Min(shown.Min(p => p.Value), marks.Count == 0 ? double.MaxValue : marks.Min(m => m.Value));
        var maxV = Math.Max(shown.Max(p => p.Value), marks.Count == 0 ? double.MinValue : marks.Max(m => m.Value));
        if (maxV <= minV)
        {
            maxV = minV + 1;
        }

        string X(double t) => ((t - minT) / Math.Max(1, maxT - minT) * (Width - 60) + 50).ToString("0.0", CultureInfo.InvariantCulture);
        string Y(double v) => (Height - 20 - ((v - minV) / (maxV - minV) * (Height - 30))).ToString("0.0", CultureInfo.InvariantCulture);
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"2\" y=\"14\" font-size=\"11\">{maxV:0.##}</text><text x=\"2\" y=\"{Height - 22}\" font-size=\"11\">{minV:0.##}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\" points=\"{string.Join(' ', shown.Select(p => X(p.TimeMs) + "," + Y(p.Value)))}\"/>");
        foreach (var (time, value, dot) in marks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(time)}\" cy=\"{Y(value)}\" r=\"2.5\" fill=\"{dot}\"/>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"50\" y=\"{Height - 4}\" font-size=\"11\">{Iso((long)minT)}</text><text x=\"{Width - 170}\" y=\"{Height - 4}\" font-size=\"11\">{Iso((long)maxT)}</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
