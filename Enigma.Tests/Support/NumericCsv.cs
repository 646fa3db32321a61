using System.Globalization;

namespace Enigma.Tests.Support;

/// <summary>A CSV of numbers with a header; blank cells are null (an indicator still warming up).</summary>
internal sealed class NumericCsv
{
    private readonly Dictionary<string, int> _columns;

    private NumericCsv(string[] header, List<double?[]> rows)
    {
        Header = header;
        Rows = rows;
        _columns = header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
    }

    public string[] Header { get; }

    public List<double?[]> Rows { get; }

    public double?[] Column(string name) => Rows.Select(r => r[_columns[name]]).ToArray();

    public static NumericCsv Read(string path) => Parse(File.ReadAllLines(path));

    public static NumericCsv Parse(IReadOnlyList<string> lines)
    {
        var header = lines[0].Split(',');
        var rows = new List<double?[]>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            if (cells.Length != header.Length)
            {
                throw new FormatException($"row '{line}' has {cells.Length} cells, the header {header.Length}");
            }

            rows.Add(cells.Select(c => c.Length == 0 ? (double?)null : double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray());
        }

        return new NumericCsv(header, rows);
    }
}
