using System.Collections.Immutable;

namespace Enigma.Domain.Indicators;

/// <summary>A fixed-capacity window of doubles; pushing into a full window evicts the oldest value. No allocation after construction.</summary>
internal sealed class RingBuffer
{
    private readonly double[] _items;
    private int _start;

    public RingBuffer(int capacity) => _items = new double[capacity];

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == _items.Length;

    /// <summary>Oldest first.</summary>
    public double this[int index] => _items[Wrap(_start + index)];

    /// <summary>Adds a value; returns true and the evicted value when the window was already full.</summary>
    public bool Push(double value, out double evicted)
    {
        if (Count < _items.Length)
        {
            _items[Wrap(_start + Count)] = value;
            Count++;
            evicted = 0;
            return false;
        }

        evicted = _items[_start];
        _items[_start] = value;
        _start = Wrap(_start + 1);
        return true;
    }

    /// <summary>Oldest first.</summary>
    public ImmutableArray<double> ToImmutableArray()
    {
        var builder = ImmutableArray.CreateBuilder<double>(Count);
        for (var i = 0; i < Count; i++)
        {
            builder.Add(this[i]);
        }

        return builder.MoveToImmutable();
    }

    public void Load(ImmutableArray<double> values)
    {
        _start = 0;
        Count = 0;
        foreach (var value in values)
        {
            Push(value, out _);
        }
    }

    private int Wrap(int index) => index >= _items.Length ? index - _items.Length : index;
}
